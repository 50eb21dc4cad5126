//! FlatGeobuf output (`--format fgb`): `parcels.fgb` and `parks.fgb`, the features of
//! `parcels.geojson` and `parks.geojson` with the same properties, sorted along a Hilbert
//! curve behind a packed R-tree so that QGIS and web maps read only what they show.
//!
//! Polygons are written as MultiPolygons (one geometry type per file, as GDAL writes
//! FlatGeobuf); lists (reasons, rules) as JSON text in a `Json` column.

use std::io::{self, Write};

use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};
use geozero::{ColumnValue, FeatureProcessor, GeomProcessor, PropertyProcessor};

use crate::config::OutputCrs;
use crate::results::AuditReport;
use crate::shapes::ShapeRef;
use crate::source_text::InputText;

use super::geojson::output_coord;
use super::table::{Kind, ParcelTable, Value, park_fields, park_values};

fn fgb_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("FlatGeobuf: {e}"))
}

/// A writer for `name` in `crs`, with the columns `fields`.
fn writer<'a>(name: &str, crs: OutputCrs, fields: &[(&str, Kind)]) -> io::Result<FgbWriter<'a>> {
    let crs = match crs {
        OutputCrs::Wgs84 => FgbCrs {
            code: 4326,
            ..Default::default()
        },
        OutputCrs::Gcj02 => FgbCrs {
            name: Some("GCJ-02 (AMap/Tencent) lon/lat, not WGS84"),
            ..Default::default()
        },
    };
    let options = FgbWriterOptions {
        write_index: true,
        promote_to_multi: true,
        crs,
        ..Default::default()
    };
    let mut fgb = FgbWriter::create_with_options(name, GeometryType::MultiPolygon, options)
        .map_err(fgb_error)?;
    for (name, kind) in fields {
        let t = match kind {
            Kind::Text => ColumnType::String,
            Kind::Float => ColumnType::Double,
            Kind::Int => ColumnType::Long,
            Kind::Bool => ColumnType::Bool,
            Kind::List | Kind::Json => ColumnType::Json,
        };
        fgb.add_column(name, t, |_, _| {});
    }
    Ok(fgb)
}

/// Adds one feature: its values (a `Null` is left out) and its shape.
fn feature(
    fgb: &mut FgbWriter<'_>,
    index: usize,
    fields: &[(&str, Kind)],
    values: &[Value<'_>],
    shape: &ShapeRef<'_>,
    crs: OutputCrs,
) -> geozero::error::Result<()> {
    fgb.feature_begin(index as u64)?;
    fgb.properties_begin()?;
    for (i, ((name, _), value)) in fields.iter().zip(values).enumerate() {
        let json;
        let v = match value {
            Value::Null => continue,
            Value::Text(s) if fields[i].1 == Kind::Json => ColumnValue::Json(s),
            Value::Text(s) => ColumnValue::String(s),
            Value::Float(v) => ColumnValue::Double(*v),
            Value::Int(v) => ColumnValue::Long(*v),
            Value::Bool(b) => ColumnValue::Bool(*b),
            Value::List(items) => {
                json = serde_json::to_string(items).unwrap_or_default();
                ColumnValue::Json(&json)
            }
        };
        fgb.property(i, name, &v)?;
    }
    fgb.properties_end()?;
    fgb.geometry_begin()?;
    let polygons = shape.polygons();
    fgb.multipolygon_begin(polygons.len(), 0)?;
    for (i, p) in polygons.enumerate() {
        let exterior = p.exterior();
        let holes: Vec<_> = p.interiors().collect();
        fgb.polygon_begin(false, 1 + holes.len(), i)?;
        for (j, ring) in std::iter::once(exterior).chain(holes).enumerate() {
            fgb.linestring_begin(false, ring.len(), j)?;
            for (k, c) in ring.iter().enumerate() {
                let c = output_coord(*c, crs);
                fgb.xy(c.x, c.y, k)?;
            }
            fgb.linestring_end(false, j)?;
        }
        fgb.polygon_end(false, i)?;
    }
    fgb.multipolygon_end(0)?;
    fgb.geometry_end()?;
    fgb.feature_end(index as u64)
}

/// Writes `parcels.fgb`: the parcels of `parcels.geojson`, properties read back from `text`
/// where they were left.
pub(super) fn parcels(
    report: &AuditReport,
    text: Option<&InputText>,
    w: &mut dyn Write,
    crs: OutputCrs,
) -> io::Result<()> {
    let table = ParcelTable::new(report, text)?;
    let fields: Vec<(&str, Kind)> = (table.fields.iter())
        .map(|f| (f.name.as_str(), f.kind))
        .collect();
    let mut fgb = writer("parcels", crs, &fields)?;
    let n = report.parcel_count();
    for start in (0..n).step_by(4096) {
        table.rows(start..(start + 4096).min(n), &mut |p, values| {
            let record = p.record();
            feature(&mut fgb, p.row(), &fields, values, &record.shape(), crs).map_err(fgb_error)
        })?;
    }
    fgb.write(w).map_err(fgb_error)
}

/// Writes `parks.fgb`: the parks of `parks.geojson`.
pub(super) fn parks(report: &AuditReport, w: &mut dyn Write, crs: OutputCrs) -> io::Result<()> {
    let fields = park_fields(report);
    let mut fgb = writer("parks", crs, &fields)?;
    let cap = report.summary.max_low_efficiency_ratio;
    let shapes = report.park_table.shapes();
    for (i, k) in report.parks.iter().enumerate() {
        let values = park_values(k, cap);
        feature(&mut fgb, i, &fields, &values, &shapes.get(k.row), crs).map_err(fgb_error)?;
    }
    fgb.write(w).map_err(fgb_error)
}
