//! GeoParquet input (the `parquet` feature): a layer given as `.parquet` (GeoParquet 1.0 or
//! 1.1, WKB geometry), read a row group at a time and made into the text of a GeoJSON
//! FeatureCollection, which the GeoJSON pipeline reads as it reads a Shapefile's: the same
//! validation and rejections, each record named by its 0-based row.
//!
//! The geometry is the `geo` metadata's primary column; its CRS is the metadata's PROJJSON,
//! by the authority and code of its `id` (`EPSG:4549`); no `crs` is OGC:CRS84, WGS84 lon/lat.
//! Every other column is a property: texts, integers, floats and yes/no as such; a column of
//! another type (dates, lists, binaries) is left out, with a warning naming it.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use super::made::{json_string, number};
use super::wkb;
use crate::error::{Error, Result};

/// Rows per batch read.
const BATCH_ROWS: usize = 8192;

/// A GeoParquet file opened for reading.
pub(crate) struct Opened {
    /// The rows as GeoJSON, made as they are read.
    pub(crate) text: ParquetText,
    /// Warnings about the layer as a whole: columns left out, a CRS not named.
    pub(crate) notes: Vec<String>,
    /// How far the read is, told in the file's bytes (the rows read as a share of its size),
    /// for a progress bar against the file's length.
    pub(crate) done_bytes: Arc<AtomicU64>,
}

/// A GeoParquet file's rows as a GeoJSON FeatureCollection's bytes, made as they are read.
pub(crate) struct ParquetText {
    file: PathBuf,
    reader: ParquetRecordBatchReader,
    geometry: String,
    /// The crs member to write, JSON text.
    crs: Option<String>,
    /// The next row.
    row: usize,
    started: bool,
    done: bool,
    out: Vec<u8>,
    pos: usize,
    /// Rows in the file and its size in bytes: the progress of `row` in bytes.
    rows_in_file: u64,
    file_len: u64,
    done_bytes: Arc<AtomicU64>,
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
        Some(projjson) => {
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
                        "its CRS ({}) has no authority code in its PROJJSON: read as lon/lat if \
                         every coordinate can be one; give --crs EPSG:N if it is not",
                        projjson["name"].as_str().unwrap_or("unnamed")
                    ));
                    None
                }
            }
        }
    };
    Ok((column, crs))
}

/// Opens the GeoParquet file `path`.
///
/// # Errors
/// [`Error::Io`] when it cannot be opened; [`Error::InputFormat`] when it is not Parquet, has
/// no `geo` metadata, or its geometry is not WKB.
pub(crate) fn open(path: &Path) -> Result<Opened> {
    let file = File::open(path).map_err(|e| Error::io(path, "cannot open", e))?;
    let file_len = file.metadata().map_or(0, |m| m.len());
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| format_error(path, format!("not a readable Parquet file: {e}")))?;
    let mut notes = Vec::new();
    let kv = builder.metadata().file_metadata().key_value_metadata();
    let geo = kv
        .and_then(|kv| kv.iter().find(|k| k.key == "geo"))
        .and_then(|k| k.value.as_deref());
    let (geometry, crs) = geo_metadata(path, geo, &mut notes)?;
    let rows_in_file = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
    let schema = builder.schema().clone();
    if schema.field_with_name(&geometry).is_err() {
        return Err(format_error(
            path,
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
    let done_bytes = Arc::new(AtomicU64::new(0));
    let reader = (builder.with_batch_size(BATCH_ROWS).build())
        .map_err(|e| format_error(path, format!("cannot read: {e}")))?;
    let crs = crs.map(|name| {
        let name = serde_json::to_string(&name).unwrap_or_default();
        format!("{{\"type\":\"name\",\"properties\":{{\"name\":{name}}}}}")
    });
    Ok(Opened {
        text: ParquetText {
            file: path.to_path_buf(),
            reader,
            geometry,
            crs,
            row: 0,
            started: false,
            done: false,
            out: Vec::new(),
            pos: 0,
            rows_in_file,
            file_len,
            done_bytes: Arc::clone(&done_bytes),
        },
        notes,
        done_bytes,
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

impl ParquetText {
    fn fault(&self, row: usize, message: String) -> std::io::Error {
        std::io::Error::other(format_error(&self.file, format!("row {row}: {message}")))
    }

    /// Appends the features of one batch.
    fn batch(&mut self, batch: &RecordBatch) -> std::io::Result<()> {
        let schema = batch.schema();
        let Ok(g) = schema.index_of(&self.geometry) else {
            return Err(self.fault(self.row, "no geometry column in this row group".into()));
        };
        let geometry = batch.column(g);
        if !matches!(
            geometry.data_type(),
            DataType::Binary | DataType::LargeBinary | DataType::BinaryView
        ) {
            let t = geometry.data_type().to_string();
            return Err(self.fault(self.row, format!("the geometry column is {t}, not WKB")));
        }
        let columns: Vec<(String, &dyn Array)> = (schema.fields().iter().zip(batch.columns()))
            .enumerate()
            .filter(|(i, (f, _))| *i != g && readable(f.data_type()))
            .map(|(_, (f, a))| {
                (
                    serde_json::to_string(f.name()).unwrap_or_default(),
                    a.as_ref(),
                )
            })
            .collect();
        for r in 0..batch.num_rows() {
            if self.row > 0 {
                self.out.extend_from_slice(b",\n");
            }
            self.out
                .extend_from_slice(b"{\"type\":\"Feature\",\"properties\":{");
            for (i, (name, a)) in columns.iter().enumerate() {
                if i > 0 {
                    self.out.push(b',');
                }
                self.out.extend_from_slice(name.as_bytes());
                self.out.push(b':');
                value(*a, r, &mut self.out);
            }
            self.out.extend_from_slice(b"},\"geometry\":");
            match wkb_of(geometry.as_ref(), r) {
                None => self.out.extend_from_slice(b"null"),
                Some(bytes) => {
                    // Arcs (made into vertices) are not GeoParquet's: its WKB is linear.
                    if let Err(m) = wkb::write_geojson(bytes, &mut self.out) {
                        return Err(self.fault(self.row, format!("its geometry's WKB: {m}")));
                    }
                }
            }
            self.out.push(b'}');
            self.row += 1;
        }
        let done = (self.row as u128 * u128::from(self.file_len))
            .checked_div(u128::from(self.rows_in_file))
            .unwrap_or(0);
        (self.done_bytes).store(u64::try_from(done).unwrap_or(u64::MAX), Ordering::Relaxed);
        Ok(())
    }

    /// Makes the next piece of text into `out`; false at the end.
    fn refill(&mut self) -> std::io::Result<bool> {
        self.out.clear();
        self.pos = 0;
        if !self.started {
            self.started = true;
            self.out
                .extend_from_slice(b"{\"type\":\"FeatureCollection\",");
            if let Some(crs) = &self.crs {
                self.out.extend_from_slice(b"\"crs\":");
                self.out.extend_from_slice(crs.as_bytes());
                self.out.push(b',');
            }
            self.out.extend_from_slice(b"\"features\":[\n");
            return Ok(true);
        }
        if self.done {
            return Ok(false);
        }
        match self.reader.next() {
            Some(Ok(batch)) => self.batch(&batch)?,
            Some(Err(e)) => return Err(self.fault(self.row, format!("cannot read: {e}"))),
            None => {
                self.done = true;
                self.out.extend_from_slice(b"\n]}\n");
            }
        }
        Ok(true)
    }
}

impl Read for ParquetText {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.out.len() {
            if !self.refill()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
