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

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::error::{Error, Result};

/// Rows per batch read.
const BATCH_ROWS: usize = 8192;

/// A GeoParquet file opened for reading.
pub(crate) struct Opened {
    /// The rows as GeoJSON, made as they are read.
    pub(crate) text: ParquetText,
    /// Warnings about the layer as a whole: columns left out, a CRS not named.
    pub(crate) notes: Vec<String>,
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
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| format_error(path, format!("not a readable Parquet file: {e}")))?;
    let mut notes = Vec::new();
    let kv = builder.metadata().file_metadata().key_value_metadata();
    let geo = kv
        .and_then(|kv| kv.iter().find(|k| k.key == "geo"))
        .and_then(|k| k.value.as_deref());
    let (geometry, crs) = geo_metadata(path, geo, &mut notes)?;
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
        },
        notes,
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

fn json_string(s: &str, out: &mut Vec<u8>) {
    // Serializing a str to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

fn number(v: f64, out: &mut Vec<u8>) {
    if v.is_finite() {
        let mut b = zmij::Buffer::new();
        out.extend_from_slice(b.format_finite(v).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
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
                    let mut wkb = Wkb { bytes, at: 0 };
                    if let Err(m) = wkb.geometry(&mut self.out, 0) {
                        return Err(self.fault(self.row, format!("its geometry's WKB: {m}")));
                    }
                }
            }
            self.out.push(b'}');
            self.row += 1;
        }
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

/// A WKB reader writing GeoJSON geometry: ISO and extended (PostGIS) WKB, either byte order;
/// Z and M are dropped.
struct Wkb<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// Geometries nested deeper than this are refused (a collection of collections of ...).
const MAX_DEPTH: usize = 8;

impl Wkb<'_> {
    fn take<const N: usize>(&mut self) -> std::result::Result<[u8; N], String> {
        let b = self
            .bytes
            .get(self.at..self.at + N)
            .ok_or_else(|| format!("ends at byte {} of {}", self.bytes.len(), self.at + N))?;
        self.at += N;
        Ok(b.try_into().unwrap_or([0; N]))
    }

    fn u32(&mut self, le: bool) -> std::result::Result<u32, String> {
        let b = self.take::<4>()?;
        Ok(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self, le: bool) -> std::result::Result<f64, String> {
        let b = self.take::<8>()?;
        Ok(if le {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    /// A count, no larger than the bytes left could hold (so a damaged count allocates
    /// nothing).
    fn count(&mut self, le: bool, min_bytes: usize) -> std::result::Result<usize, String> {
        let n = self.u32(le)? as usize;
        if n.saturating_mul(min_bytes) > self.bytes.len() - self.at {
            return Err(format!("declares {n} parts, more than its bytes hold"));
        }
        Ok(n)
    }

    fn point(
        &mut self,
        le: bool,
        dims: usize,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), String> {
        let x = self.f64(le)?;
        let y = self.f64(le)?;
        for _ in 2..dims {
            self.f64(le)?;
        }
        out.push(b'[');
        number(x, out);
        out.push(b',');
        number(y, out);
        out.push(b']');
        Ok(())
    }

    fn points(
        &mut self,
        le: bool,
        dims: usize,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), String> {
        let n = self.count(le, 8 * dims)?;
        out.push(b'[');
        for i in 0..n {
            if i > 0 {
                out.push(b',');
            }
            self.point(le, dims, out)?;
        }
        out.push(b']');
        Ok(())
    }

    fn rings(
        &mut self,
        le: bool,
        dims: usize,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), String> {
        let n = self.count(le, 4)?;
        out.push(b'[');
        for i in 0..n {
            if i > 0 {
                out.push(b',');
            }
            self.points(le, dims, out)?;
        }
        out.push(b']');
        Ok(())
    }

    /// A geometry's byte order and type: whether little-endian, the base type (1 to 7) and
    /// the coordinates' dimensions.
    fn header(&mut self) -> std::result::Result<(bool, u32, usize), String> {
        let le = match self.take::<1>()?[0] {
            0 => false,
            1 => true,
            b => return Err(format!("byte order {b} (neither 0 nor 1)")),
        };
        let code = self.u32(le)?;
        // Extended WKB: flags in the high bits (Z, M, SRID); ISO: thousands for Z, M, ZM.
        let ext_z = usize::from(code & 0x8000_0000 != 0);
        let ext_m = usize::from(code & 0x4000_0000 != 0);
        if code & 0x2000_0000 != 0 {
            self.u32(le)?;
        }
        let iso = code & 0x0FFF_FFFF;
        let extra = match iso / 1000 {
            1 | 2 => 1,
            3 => 2,
            _ => 0,
        };
        let base = iso % 1000;
        if !(1..=7).contains(&base) || iso / 1000 > 3 {
            return Err(format!("geometry type {code} not known"));
        }
        Ok((le, base, 2 + extra + ext_z + ext_m))
    }

    /// The coordinates of a geometry of `base` type 1 to 6 (after its header).
    fn coordinates(
        &mut self,
        (le, base, dims): (bool, u32, usize),
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), String> {
        match base {
            1 => return self.point(le, dims, out),
            2 => return self.points(le, dims, out),
            3 => return self.rings(le, dims, out),
            _ => {}
        }
        let n = self.count(le, 5)?;
        out.push(b'[');
        for i in 0..n {
            if i > 0 {
                out.push(b',');
            }
            let part = self.header()?;
            if part.1 != base - 3 {
                return Err(format!(
                    "a part of type {} in a multi-geometry of type {base}",
                    part.1
                ));
            }
            self.coordinates(part, out)?;
        }
        out.push(b']');
        Ok(())
    }

    /// One geometry (with its byte order and type) as GeoJSON.
    fn geometry(&mut self, out: &mut Vec<u8>, depth: usize) -> std::result::Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("geometries nested too deep".into());
        }
        let header = self.header()?;
        let names = [
            "Point",
            "LineString",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
            "GeometryCollection",
        ];
        out.extend_from_slice(b"{\"type\":\"");
        out.extend_from_slice(names[header.1 as usize - 1].as_bytes());
        if header.1 == 7 {
            out.extend_from_slice(b"\",\"geometries\":[");
            let n = self.count(header.0, 5)?;
            for i in 0..n {
                if i > 0 {
                    out.push(b',');
                }
                self.geometry(out, depth + 1)?;
            }
            out.push(b']');
        } else {
            out.extend_from_slice(b"\",\"coordinates\":");
            self.coordinates(header, out)?;
        }
        out.push(b'}');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geojson(wkb: &[u8]) -> std::result::Result<String, String> {
        let mut out = Vec::new();
        Wkb { bytes: wkb, at: 0 }.geometry(&mut out, 0)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn wkb_reads_as_geojson() {
        use geo::{MultiPolygon, polygon};
        use wkb::writer::{WriteOptions, write_geometry};
        let p = polygon![(x: 0.0, y: 0.0), (x: 1.5, y: 0.0), (x: 1.5, y: 1.0), (x: 0.0, y: 0.0)];
        let mut bytes = Vec::new();
        write_geometry(&mut bytes, &p, &WriteOptions::default()).unwrap();
        assert_eq!(
            geojson(&bytes).unwrap(),
            r#"{"type":"Polygon","coordinates":[[[0.0,0.0],[1.5,0.0],[1.5,1.0],[0.0,0.0]]]}"#
        );
        let mut bytes = Vec::new();
        let m = MultiPolygon(vec![p.clone(), p]);
        write_geometry(
            &mut bytes,
            &m,
            &WriteOptions {
                endianness: wkb::Endianness::BigEndian,
            },
        )
        .unwrap();
        let text = geojson(&bytes).unwrap();
        assert!(
            text.starts_with(r#"{"type":"MultiPolygon","coordinates":[[[[0.0,0.0],"#),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["coordinates"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn damaged_wkb_is_an_error_not_a_panic() {
        assert!(geojson(&[]).is_err());
        assert!(
            geojson(&[1, 3, 0, 0, 0, 255, 255, 255, 255])
                .unwrap_err()
                .contains("parts")
        );
        assert!(
            geojson(&[2, 3, 0, 0, 0])
                .unwrap_err()
                .contains("byte order")
        );
        assert!(
            geojson(&[1, 99, 0, 0, 0])
                .unwrap_err()
                .contains("not known")
        );
        // Cut short anywhere: an error.
        let mut full = vec![1, 1, 0, 0, 0];
        full.extend_from_slice(&1.0f64.to_le_bytes());
        full.extend_from_slice(&2.0f64.to_le_bytes());
        assert_eq!(
            geojson(&full).unwrap(),
            r#"{"type":"Point","coordinates":[1.0,2.0]}"#
        );
        for n in 0..full.len() {
            assert!(geojson(&full[..n]).is_err(), "{n}");
        }
    }
}
