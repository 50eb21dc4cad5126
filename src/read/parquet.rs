//! GeoParquet input (the `parquet` feature): a layer given as `.parquet` (GeoParquet 1.0 or
//! 1.1, WKB geometry), or its bytes in memory ([`Source::geoparquet`](super::Source)).
//!
//! A thread of its own decodes the file a batch of rows at a time; each batch's rows are made
//! into records on the pool, in chunks, while the batch before is handed on in file order.
//! A row's properties become the text of a JSON object (which the record keeps, as it keeps a
//! GeoJSON feature's `properties`), read by the GeoJSON reader's code; its geometry is read
//! from its WKB straight into the shape that code checks ([`wkb::linear`]), or, for the rare
//! kinds that is not for (curves, collections, empty or non-finite positions), by way of the
//! GeoJSON text of it ([`wkb::write_geojson`]). So the validation, the rejections and their
//! reasons are those of GeoJSON, each record named by its 0-based row.
//!
//! The geometry is the `geo` metadata's primary column; its CRS is the metadata's PROJJSON,
//! by the authority and code of its `id` (`EPSG:4549`); no `crs` is OGC:CRS84, WGS84 lon/lat.
//! Every other column is a property: texts, integers, floats and yes/no as such; a column of
//! another type (dates, lists, binaries) is left out, with a warning naming it.

use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::sync_channel;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::file::reader::ChunkReader;
use rayon::prelude::*;
use serde_json::value::RawValue;

use super::feature::{Geom, Members};
use super::made::{Share, json_string, number, unreadable_geometry};
use super::{Draft, Left, ParseFn, ReadOptions, Scan, layer_note, left_in, overlap, wkb};
use crate::error::{Error, FeatureContext, Layer, Result};

/// Rows per batch decoded.
const BATCH_ROWS: usize = 8192;

/// Rows per task when a batch's rows are made into records.
const CHUNK_ROWS: usize = 512;

/// A GeoParquet file opened for reading.
pub(crate) struct Opened {
    /// The file, or the label of bytes in memory.
    file: PathBuf,
    reader: ParquetRecordBatchReader,
    geometry: String,
    /// The GeoJSON `crs` member its CRS is, as text.
    crs: Option<String>,
    /// Warnings about the layer as a whole: columns left out, a CRS not named.
    notes: Vec<String>,
    /// Rows in the file and its size in bytes: progress is told as the rows read's share of
    /// the size.
    rows_in_file: u64,
    size: u64,
}

fn format_error(file: &Path, message: String) -> Error {
    Error::InputFormat {
        file: file.to_path_buf(),
        message,
    }
}

/// The `geo` metadata's geometry column and its CRS (as a GeoJSON crs name), from the file's
/// key-value metadata.
fn geo_metadata(
    file: &Path,
    geo: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<(String, Option<String>)> {
    let Some(geo) = geo else {
        return Err(format_error(
            file,
            "a Parquet file without GeoParquet's `geo` metadata: no column is known to hold the \
             geometry; write it as GeoParquet (GeoPandas to_parquet, DuckDB COPY ... (FORMAT \
             parquet) with spatial, ogr2ogr -f Parquet)"
                .into(),
        ));
    };
    let geo: serde_json::Value = serde_json::from_str(geo)
        .map_err(|e| format_error(file, format!("the `geo` metadata is not JSON: {e}")))?;
    let column = geo["primary_column"]
        .as_str()
        .unwrap_or("geometry")
        .to_string();
    let meta = &geo["columns"][column.as_str()];
    let encoding = meta["encoding"].as_str().unwrap_or("WKB");
    if !encoding.eq_ignore_ascii_case("WKB") {
        return Err(format_error(
            file,
            format!(
                "geometry column {column:?} is encoded as {encoding}: only WKB is read; write \
                 the file with WKB geometry (GeoPandas to_parquet(geometry_encoding=\"WKB\"))"
            ),
        ));
    }
    let crs = match meta.get("crs") {
        None => None,
        Some(serde_json::Value::Null) => {
            notes.push(
                "its GeoParquet metadata says the CRS is unknown (\"crs\": null): read as \
                 lon/lat if every coordinate can be one; give --crs if it is not"
                    .into(),
            );
            None
        }
        Some(serde_json::Value::String(name)) => Some(name.clone()),
        Some(projjson) => projjson_crs(projjson, notes),
    };
    Ok((column, crs))
}

/// The authority and code of a PROJJSON CRS's `id` (`EPSG:4549`); none for OGC:CRS84, the
/// default, or when it has none (noted).
fn projjson_crs(projjson: &serde_json::Value, notes: &mut Vec<String>) -> Option<String> {
    let id = &projjson["id"];
    let code = match &id["code"] {
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::String(s) => Some(s.clone()),
        _ => None,
    };
    match (id["authority"].as_str(), code) {
        (Some(a), Some(c)) if a.eq_ignore_ascii_case("OGC") && c == "CRS84" => None,
        (Some(a), Some(c)) => Some(format!("{a}:{c}")),
        _ => {
            notes.push(format!(
                "its CRS ({}) has no authority code in its PROJJSON: read as lon/lat if every \
                 coordinate can be one; give --crs EPSG:N if it is not",
                projjson["name"].as_str().unwrap_or("unnamed")
            ));
            None
        }
    }
}

/// Opens the GeoParquet file `path`.
///
/// # Errors
/// [`Error::Io`] when it cannot be opened; [`Error::InputFormat`] when it is not Parquet, has
/// no `geo` metadata, or its geometry is not WKB.
pub(crate) fn open(path: &Path) -> Result<Opened> {
    let file = File::open(path).map_err(|e| Error::io(path, "cannot open", e))?;
    let size = file.metadata().map_or(0, |m| m.len());
    open_from(path, file, size)
}

/// Opens GeoParquet held in memory, `label` naming it in messages.
///
/// # Errors
/// As [`open`].
pub(crate) fn open_bytes(label: &Path, data: &Arc<[u8]>) -> Result<Opened> {
    let bytes = bytes::Bytes::from_owner(Arc::clone(data));
    open_from(label, bytes, data.len() as u64)
}

fn open_from<T: ChunkReader + 'static>(file: &Path, input: T, size: u64) -> Result<Opened> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(input)
        .map_err(|e| format_error(file, format!("not a readable Parquet file: {e}")))?;
    let mut notes = Vec::new();
    let kv = builder.metadata().file_metadata().key_value_metadata();
    let geo = kv
        .and_then(|kv| kv.iter().find(|k| k.key == "geo"))
        .and_then(|k| k.value.as_deref());
    let (geometry, crs) = geo_metadata(file, geo, &mut notes)?;
    let rows_in_file = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
    let schema = builder.schema().clone();
    if schema.field_with_name(&geometry).is_err() {
        return Err(format_error(
            file,
            format!(
                "its `geo` metadata names geometry column {geometry:?}, which it does not have"
            ),
        ));
    }
    for f in schema.fields() {
        if f.name() != &geometry && !readable(f.data_type()) {
            notes.push(format!(
                "column {:?} ({}) is not read",
                f.name(),
                f.data_type()
            ));
        }
    }
    let reader = (builder.with_batch_size(BATCH_ROWS).build())
        .map_err(|e| format_error(file, format!("cannot read: {e}")))?;
    let crs = crs.map(|name| {
        let name = serde_json::to_string(&name).unwrap_or_default();
        format!("{{\"type\":\"name\",\"properties\":{{\"name\":{name}}}}}")
    });
    Ok(Opened {
        file: file.to_path_buf(),
        reader,
        geometry,
        crs,
        notes,
        rows_in_file,
        size,
    })
}

/// Whether a column of type `t` is read as a property.
fn readable(t: &DataType) -> bool {
    use DataType::*;
    matches!(
        t,
        Utf8 | LargeUtf8
            | Utf8View
            | Boolean
            | Int8
            | Int16
            | Int32
            | Int64
            | UInt8
            | UInt16
            | UInt32
            | UInt64
            | Float32
            | Float64
            | Null
    )
}

/// Appends row `row` of `a` as a JSON value.
fn value(a: &dyn Array, row: usize, out: &mut Vec<u8>) {
    if a.is_null(row) {
        out.extend_from_slice(b"null");
        return;
    }
    let int = |v: i128, out: &mut Vec<u8>| out.extend_from_slice(v.to_string().as_bytes());
    match a.data_type() {
        DataType::Utf8 => json_string(a.as_string::<i32>().value(row), out),
        DataType::LargeUtf8 => json_string(a.as_string::<i64>().value(row), out),
        DataType::Utf8View => json_string(a.as_string_view().value(row), out),
        DataType::Boolean => {
            let b = a.as_boolean().value(row);
            out.extend_from_slice(if b { b"true" } else { b"false" });
        }
        DataType::Int8 => int(a.as_primitive::<Int8Type>().value(row).into(), out),
        DataType::Int16 => int(a.as_primitive::<Int16Type>().value(row).into(), out),
        DataType::Int32 => int(a.as_primitive::<Int32Type>().value(row).into(), out),
        DataType::Int64 => int(a.as_primitive::<Int64Type>().value(row).into(), out),
        DataType::UInt8 => int(a.as_primitive::<UInt8Type>().value(row).into(), out),
        DataType::UInt16 => int(a.as_primitive::<UInt16Type>().value(row).into(), out),
        DataType::UInt32 => int(a.as_primitive::<UInt32Type>().value(row).into(), out),
        DataType::UInt64 => int(a.as_primitive::<UInt64Type>().value(row).into(), out),
        DataType::Float32 => number(a.as_primitive::<Float32Type>().value(row).into(), out),
        DataType::Float64 => number(a.as_primitive::<Float64Type>().value(row), out),
        _ => out.extend_from_slice(b"null"),
    }
}

/// The bytes of row `row` of a binary column, `None` when null.
fn wkb_of(a: &dyn Array, row: usize) -> Option<&[u8]> {
    if a.is_null(row) {
        return None;
    }
    match a.data_type() {
        DataType::Binary => Some(a.as_binary::<i32>().value(row)),
        DataType::LargeBinary => Some(a.as_binary::<i64>().value(row)),
        DataType::BinaryView => Some(a.as_binary_view().value(row)),
        _ => None,
    }
}

/// A batch of rows decoded, and the row it starts at.
struct Rows {
    batch: RecordBatch,
    first: usize,
}

/// A batch's columns as its rows are made into records: the geometry, and the properties
/// with their names as JSON strings.
struct Columns<'b> {
    geometry: &'b dyn Array,
    properties: Vec<(String, &'b dyn Array)>,
}

/// Some rows of a batch made into records: their properties' text, and each row's span of it
/// with its record.
struct Chunk<T> {
    text: Vec<u8>,
    records: Vec<(Range<usize>, Result<Draft<T>>)>,
}

/// How every batch of a GeoParquet layer is made into records.
struct Making<'a, T> {
    file: Arc<PathBuf>,
    layer: Layer,
    geometry: &'a str,
    parse: &'a ParseFn<'a, T>,
}

impl<T: Send> Making<'_, T> {
    fn fault(&self, row: usize, message: String) -> Error {
        format_error(&self.file, format!("row {row}: {message}"))
    }

    /// The batch's columns, or why its geometry column cannot be read.
    fn columns<'b>(&self, rows: &'b Rows) -> Result<Columns<'b>> {
        let schema = rows.batch.schema();
        let Ok(g) = schema.index_of(self.geometry) else {
            return Err(self.fault(rows.first, "no geometry column in this row group".into()));
        };
        let geometry = rows.batch.column(g).as_ref();
        if !matches!(
            geometry.data_type(),
            DataType::Binary | DataType::LargeBinary | DataType::BinaryView
        ) {
            let t = geometry.data_type().to_string();
            return Err(self.fault(rows.first, format!("the geometry column is {t}, not WKB")));
        }
        let properties = (schema.fields().iter().zip(rows.batch.columns()))
            .enumerate()
            .filter(|(i, (f, _))| *i != g && readable(f.data_type()))
            .map(|(_, (f, a))| {
                (
                    serde_json::to_string(f.name()).unwrap_or_default(),
                    a.as_ref(),
                )
            })
            .collect();
        Ok(Columns {
            geometry,
            properties,
        })
    }

    /// A batch's rows as records, chunk by chunk on the pool.
    fn make(&self, rows: &Rows) -> Result<Vec<Chunk<T>>> {
        let columns = self.columns(rows)?;
        let n = rows.batch.num_rows();
        Ok((0..n.div_ceil(CHUNK_ROWS))
            .into_par_iter()
            .map(|c| self.chunk(rows, &columns, c * CHUNK_ROWS..n.min((c + 1) * CHUNK_ROWS)))
            .collect())
    }

    fn chunk(&self, rows: &Rows, columns: &Columns<'_>, range: Range<usize>) -> Chunk<T> {
        let mut text = Vec::with_capacity(range.len() * 96);
        let mut records = Vec::with_capacity(range.len());
        for r in range {
            let start = text.len();
            text.push(b'{');
            for (i, (name, a)) in columns.properties.iter().enumerate() {
                if i > 0 {
                    text.push(b',');
                }
                text.extend_from_slice(name.as_bytes());
                text.push(b':');
                value(*a, r, &mut text);
            }
            text.push(b'}');
            let record = self.record(&text[start..], columns.geometry, rows.first + r, r);
            records.push((start..text.len(), record));
        }
        Chunk { text, records }
    }

    /// Row `row` of the file (`r` of its batch) as a record: `properties` the text of its
    /// properties' object.
    fn record(
        &self,
        properties: &[u8],
        geometry: &dyn Array,
        row: usize,
        r: usize,
    ) -> Result<Draft<T>> {
        let ctx = FeatureContext::new(Arc::clone(&self.file), self.layer, row);
        let raw: &RawValue = serde_json::from_slice(properties)
            .map_err(|e| self.fault(row, format!("its properties as JSON: {e}")))?;
        // The text of a geometry the direct read does not take, kept while it is read.
        let mut text = Vec::new();
        let geometry = match wkb_of(geometry, r) {
            None => Geom::Raw(None),
            Some(bytes) => match wkb::linear(bytes) {
                Some(parsed) => Geom::Parsed(parsed),
                None => {
                    // Arcs (made into vertices) are not GeoParquet's: its WKB is linear. WKB
                    // that cannot be read rejects the row, as in a GeoPackage.
                    if let Err(m) = wkb::write_geojson(bytes, &mut text) {
                        unreadable_geometry(&format!("WKB that cannot be read: {m}"), &mut text);
                    }
                    let raw: &RawValue = serde_json::from_slice(&text)
                        .map_err(|e| self.fault(row, format!("its geometry as JSON: {e}")))?;
                    Geom::Raw(Some(raw))
                }
            },
        };
        let members = Members {
            id: None,
            properties: Some(raw),
            geometry,
        };
        (self.parse)(members, properties, ctx)
    }
}

/// Reads the GeoParquet `opened` into `scan` and `sink`, in file order: a thread decodes
/// batches of rows, the pool makes each into records while the one before is handed on.
pub(super) fn scan<T: Send>(
    opened: Opened,
    layer: Layer,
    options: &ReadOptions,
    parse: &ParseFn<'_, T>,
    sink: &mut dyn for<'b> FnMut(T, Left<'b>),
) -> Result<Scan> {
    let mut scan = Scan::new(opened.file.clone());
    (scan.warnings).extend(opened.notes.into_iter().map(layer_note(layer)));
    scan.crs_member = opened.crs.map(String::into_bytes);
    let making = Making {
        file: Arc::new(opened.file),
        layer,
        geometry: &opened.geometry,
        parse,
    };
    let (share, size) = (Share::new(opened.rows_in_file), opened.size);
    let mut reader = opened.reader;
    let (batches, received) = sync_channel::<Result<Rows>>(1);
    let file = Arc::clone(&making.file);
    std::thread::scope(|threads| {
        threads.spawn(move || {
            let mut first = 0;
            // The decoder is another crate's: should damaged bytes make it panic, that is this
            // file's error, not the caller's panic.
            let next = |reader: &mut ParquetRecordBatchReader| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reader.next()))
                    .unwrap_or_else(|_| {
                        Some(Err(arrow_schema::ArrowError::ParquetError(
                            "the Parquet decoder failed on damaged data".into(),
                        )))
                    })
            };
            while let Some(batch) = next(&mut reader) {
                let rows = batch
                    .map(|batch| Rows { batch, first })
                    .map_err(|e| format_error(&file, format!("row {first}: cannot read: {e}")));
                first += rows.as_ref().map_or(0, |r| r.batch.num_rows());
                let failed = rows.is_err();
                // Closed: the reading has stopped.
                if batches.send(rows).is_err() || failed {
                    return;
                }
            }
        });
        let made = |rows: &Rows| making.make(rows);
        let done = overlap(
            &received,
            |_: &Rows| false,
            made,
            |rows, chunks| {
                for chunk in chunks? {
                    for (span, result) in chunk.records {
                        let bytes = &chunk.text[span];
                        let left = |r: Range<usize>| left_in(bytes, r, 0, false, 0);
                        scan.take(result, options.strict, left, sink)?;
                    }
                }
                if let Some(progress) = &options.progress {
                    share.set((rows.first + rows.batch.num_rows()) as u64);
                    progress(share.of(size));
                }
                Ok(())
            },
        );
        // Dropped before the thread is joined, so that it stops if still going.
        drop(received);
        done
    })?;
    Ok(scan)
}
