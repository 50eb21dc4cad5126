//! Layers built in memory from `geo` geometry: parcels, enterprises and parks with an id and
//! named fields, in a CRS named once for the layer ([`Records`]).
//!
//! A built layer is read as a file is: when the audit reads it, it is written out as the text
//! a file of the layer would hold (GeoJSON for parcels and parks, CSV for enterprises, the
//! fields under the names `[fields]` maps) and that text goes through the same reader. So
//! every record is validated, rejected into the ledger with its index and id or (strict)
//! stopping the audit, reprojected and measured exactly as a file's record is: there is no
//! second validation to drift from the first.

use std::sync::Arc;

use geo::{Geometry, LineString, Point, Polygon};
use rayon::prelude::*;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::config::Fields;
use crate::crs::Crs;
use crate::error::{Error, Layer, Result};

/// A field's value: a number, a text, a yes/no, or nothing (a database NULL).
///
/// BuiltLayer from the usual Rust values with `From` (`12.5`, `3`, `"C2614"`, `true`,
/// `None::<f64>`). A number that is not finite is kept as it is and rejected by the reader as
/// a file's `NaN` would be, never turned into a missing value.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// No value (an empty cell, a JSON `null`).
    Null,
    /// A yes/no.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A text.
    Text(String),
}

impl FieldValue {
    /// The value as a CSV cell: nothing for no value.
    fn to_cell(&self) -> String {
        match self {
            FieldValue::Null => String::new(),
            FieldValue::Bool(b) => b.to_string(),
            FieldValue::Number(n) => n.to_string(),
            FieldValue::Text(s) => s.clone(),
        }
    }
}

/// A number that is not finite as its text (`"NaN"`), which the reader rejects as not a
/// number (serde_json would write `null`, a missing value).
impl Serialize for FieldValue {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            FieldValue::Null => s.serialize_unit(),
            FieldValue::Bool(b) => s.serialize_bool(*b),
            FieldValue::Number(n) if n.is_finite() => s.serialize_f64(*n),
            FieldValue::Number(n) => s.serialize_str(&n.to_string()),
            FieldValue::Text(t) => s.serialize_str(t),
        }
    }
}

macro_rules! from_number {
    ($($t:ty),*) => {$(
        impl From<$t> for FieldValue {
            fn from(v: $t) -> Self {
                FieldValue::Number(v as f64)
            }
        }
    )*};
}
from_number!(f64, f32, i64, i32, i16, i8, u64, u32, u16, u8, usize);

impl From<bool> for FieldValue {
    fn from(v: bool) -> Self {
        FieldValue::Bool(v)
    }
}

impl From<&str> for FieldValue {
    fn from(v: &str) -> Self {
        FieldValue::Text(v.to_string())
    }
}

impl From<String> for FieldValue {
    fn from(v: String) -> Self {
        FieldValue::Text(v)
    }
}

impl<T: Into<FieldValue>> From<Option<T>> for FieldValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(FieldValue::Null, Into::into)
    }
}

/// What the three kinds of record hold: an id, a geometry (a firm's point), named fields.
#[derive(Debug, Clone, PartialEq)]
struct Record {
    id: String,
    geometry: Option<Geometry<f64>>,
    fields: Vec<(String, FieldValue)>,
}

impl Record {
    fn new(id: impl Into<String>, geometry: Option<Geometry<f64>>) -> Record {
        Record {
            id: id.into(),
            geometry,
            fields: Vec::new(),
        }
    }

    /// The fields but those named in `skip` (the id's and coordinates', given apart).
    fn fields_but<'a>(
        &'a self,
        skip: &'a [&str],
    ) -> impl Iterator<Item = &'a (String, FieldValue)> {
        self.fields
            .iter()
            .filter(move |(name, _)| !skip.contains(&name.as_str()))
    }
}

macro_rules! record_builder {
    ($t:ident) => {
        impl $t {
            /// Sets a field, by the name `[fields]` maps (`tax`, `floor_area`, `industry`,
            /// ...); a later value of one name replaces an earlier one. A field named as the
            /// id (or, for a firm, as its coordinates) is not read: the id and the point are
            /// given apart.
            pub fn field(mut self, name: impl Into<String>, value: impl Into<FieldValue>) -> Self {
                let name = name.into();
                let value = value.into();
                match self.0.fields.iter_mut().find(|(n, _)| *n == name) {
                    Some(slot) => slot.1 = value,
                    None => self.0.fields.push((name, value)),
                }
                self
            }

            /// Sets several fields, as [`field`](Self::field) does each: a database row's
            /// columns, a map of properties.
            pub fn fields<K: Into<String>, V: Into<FieldValue>>(
                self,
                fields: impl IntoIterator<Item = (K, V)>,
            ) -> Self {
                fields
                    .into_iter()
                    .fold(self, |record, (k, v)| record.field(k, v))
            }

            /// The record's id.
            pub fn id(&self) -> &str {
                &self.0.id
            }
        }
    };
}

/// A parcel (宗地) built in memory: id, polygon, fields.
///
/// ```
/// use land_efficiency::{ParcelInput, geo::polygon};
/// let square = polygon![(x: 0.0, y: 0.0), (x: 100.0, y: 0.0), (x: 100.0, y: 100.0), (x: 0.0, y: 100.0)];
/// let p = ParcelInput::new("P1", square).field("floor_area", 12_000.0).field("industry", "C26");
/// assert_eq!(p.id(), "P1");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ParcelInput(Record);

impl ParcelInput {
    /// A parcel with its shape: a [`geo::Polygon`] or [`geo::MultiPolygon`] (any other
    /// geometry is rejected as a file's would be, `geometry_type`).
    pub fn new(id: impl Into<String>, geometry: impl Into<Geometry<f64>>) -> Self {
        ParcelInput(Record::new(id, Some(geometry.into())))
    }

    /// A parcel with no shape (a database row whose geometry is NULL): read, and rejected
    /// as `null_geometry`, as a file's feature with `"geometry": null` is.
    pub fn without_geometry(id: impl Into<String>) -> Self {
        ParcelInput(Record::new(id, None))
    }
}
record_builder!(ParcelInput);

/// An enterprise (企业) built in memory: id, where it stands, fields (`tax`, `investment`,
/// `output`, ... as `[fields.enterprises]` maps them).
///
/// A firm stands at a point ([`at`](Self::at)) or on a parcel named by the `parcel_id`
/// field; one with neither is rejected as `missing_property`, as a CSV row without
/// coordinates or parcel id is.
#[derive(Debug, Clone, PartialEq)]
pub struct EnterpriseInput(Record);

impl EnterpriseInput {
    /// A firm with no place yet: give it a point or a `parcel_id` field.
    pub fn new(id: impl Into<String>) -> Self {
        EnterpriseInput(Record::new(id, None))
    }

    /// Where the firm stands, in the layer's CRS.
    pub fn at(mut self, point: Point<f64>) -> Self {
        self.0.geometry = Some(Geometry::Point(point));
        self
    }
}
record_builder!(EnterpriseInput);

/// A park (园区) built in memory: id, boundary, fields (`name`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParkInput(Record);

impl ParkInput {
    /// A park with its boundary: a [`geo::Polygon`] or [`geo::MultiPolygon`].
    pub fn new(id: impl Into<String>, geometry: impl Into<Geometry<f64>>) -> Self {
        ParkInput(Record::new(id, Some(geometry.into())))
    }

    /// A park with no boundary (rejected as `null_geometry`).
    pub fn without_geometry(id: impl Into<String>) -> Self {
        ParkInput(Record::new(id, None))
    }
}
record_builder!(ParkInput);

/// A layer of records built in memory, in one CRS: hand it to [`Inputs`](crate::Inputs) as a
/// [`Source`](crate::Source) (`records.into()`).
///
/// The CRS is the one the coordinates are in, named once for the layer (`Crs::parse
/// ("EPSG:4549")`): projected coordinates give planar areas and are reprojected by the crate,
/// as a file's are. It is the layer's own: `[crs]` in the configuration and
/// [`Audit::crs`](crate::Audit::crs) do not change it. Records keep the order they were
/// pushed in, which is their `index` in rejections.
///
/// ```
/// use land_efficiency::{Crs, EnterpriseInput, Records, Source, geo::point};
/// let firms = Records::enterprises(Crs::parse("EPSG:4549").unwrap())
///     .with(EnterpriseInput::new("E1").at(point!(x: 500_050.0, y: 3_320_050.0)).field("tax", 300.0))
///     .with(EnterpriseInput::new("E2").field("parcel_id", "P2").field("tax", 0.0));
/// assert_eq!(firms.len(), 2);
/// let source: Source = firms.into();
/// assert_eq!(source.name().to_str(), Some("enterprises"));
/// ```
#[derive(Debug, Clone)]
pub struct Records<T> {
    label: String,
    crs: Crs,
    records: Vec<T>,
}

impl<T> Records<T> {
    fn empty(label: &str, crs: Crs) -> Self {
        Records {
            label: label.to_string(),
            crs,
            records: Vec::new(),
        }
    }

    /// The name shown in messages where a file's would be (`parcels`, `enterprises` or
    /// `parks` unless set): a table's name, say.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Adds a record.
    pub fn push(&mut self, record: T) {
        self.records.push(record);
    }

    /// Adds a record, for chaining.
    pub fn with(mut self, record: T) -> Self {
        self.records.push(record);
        self
    }

    /// How many records were pushed.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when no record was pushed.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The layer's CRS.
    pub fn crs(&self) -> &Crs {
        &self.crs
    }
}

impl Records<ParcelInput> {
    /// An empty parcels layer whose coordinates are in `crs`.
    pub fn parcels(crs: Crs) -> Self {
        Records::empty("parcels", crs)
    }
}

impl Records<EnterpriseInput> {
    /// An empty enterprises layer whose points are in `crs`.
    pub fn enterprises(crs: Crs) -> Self {
        Records::empty("enterprises", crs)
    }
}

impl Records<ParkInput> {
    /// An empty parks layer whose coordinates are in `crs`.
    pub fn parks(crs: Crs) -> Self {
        Records::empty("parks", crs)
    }
}

impl<T> Extend<T> for Records<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.records.extend(iter);
    }
}

/// A built layer as a [`Source`](crate::Source) holds it: which layer, its records, its CRS.
#[derive(Debug, Clone)]
pub struct BuiltLayer {
    layer: Layer,
    label: String,
    crs: Crs,
    records: Arc<[Record]>,
}

macro_rules! into_built {
    ($t:ident, $layer:expr) => {
        impl From<Records<$t>> for BuiltLayer {
            fn from(r: Records<$t>) -> BuiltLayer {
                BuiltLayer {
                    layer: $layer,
                    label: r.label,
                    crs: r.crs,
                    records: r.records.into_iter().map(|x| x.0).collect(),
                }
            }
        }
    };
}
into_built!(ParcelInput, Layer::Parcels);
into_built!(EnterpriseInput, Layer::Enterprises);
into_built!(ParkInput, Layer::Parks);

impl BuiltLayer {
    /// The label shown where a file name would be.
    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    /// The layer's CRS.
    pub(crate) fn crs(&self) -> &Crs {
        &self.crs
    }

    /// The text a file of `layer` holding these records would: GeoJSON for parcels and parks,
    /// CSV for enterprises, the id and fields under the names `fields` maps.
    ///
    /// # Errors
    /// [`Error::Usage`] when the records were built for another layer (a parks layer given
    /// as the parcels).
    pub(crate) fn text(&self, layer: Layer, fields: &Fields) -> Result<Vec<u8>> {
        if layer != self.layer {
            return Err(Error::Usage(format!(
                "{}: records built for the {} were given as the {layer}",
                self.label, self.layer
            )));
        }
        match layer {
            Layer::Parcels => Ok(self.geojson(&fields.parcel_id)),
            Layer::Parks => Ok(self.geojson(&fields.parks.park_id)),
            Layer::Enterprises | Layer::Adjustments | Layer::NegativeList => self.csv(fields),
        }
    }

    /// A FeatureCollection of the records, the id under `id_name` in each one's properties;
    /// the features written in parallel, as the reader parses them.
    fn geojson(&self, id_name: &str) -> Vec<u8> {
        let features: Vec<Vec<u8>> = (self.records.par_iter())
            .map(|record| serde_json::to_vec(&FeatureText { id_name, record }).unwrap_or_default())
            .collect();
        let size = features.iter().map(Vec::len).sum::<usize>() + features.len() + 64;
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(b"{\"type\":\"FeatureCollection\",\"features\":[\n");
        for (i, f) in features.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b",\n");
            }
            out.extend_from_slice(f);
        }
        out.extend_from_slice(b"]}\n");
        out
    }

    /// A CSV of the firms: id, the point's two coordinates (empty for none), then every field
    /// any firm has, in the order first set.
    fn csv(&self, fields: &Fields) -> Result<Vec<u8>> {
        let f = &fields.enterprises;
        let fixed = [f.enterprise_id.as_str(), f.lon.as_str(), f.lat.as_str()];
        let mut names: Vec<&str> = Vec::new();
        for r in self.records.iter() {
            for (name, _) in r.fields_but(&fixed) {
                if !names.contains(&name.as_str()) {
                    names.push(name);
                }
            }
        }
        let mut out = csv::Writer::from_writer(Vec::new());
        let failed = |e: csv::Error| Error::Usage(format!("{}: {e}", self.label));
        out.write_record(fixed.iter().chain(&names))
            .map_err(failed)?;
        for r in self.records.iter() {
            let (x, y) = match &r.geometry {
                Some(Geometry::Point(p)) => (p.x().to_string(), p.y().to_string()),
                _ => (String::new(), String::new()),
            };
            let cells = names.iter().map(|name| {
                (r.fields.iter())
                    .find(|(n, _)| n == name)
                    .map_or_else(String::new, |(_, v)| v.to_cell())
            });
            let row = [r.id.clone(), x, y].into_iter().chain(cells);
            out.write_record(row).map_err(failed)?;
        }
        out.into_inner()
            .map_err(|e| Error::Usage(format!("{}: {e}", self.label)))
    }
}

/// A record as a GeoJSON Feature: its id and fields as properties, its geometry.
struct FeatureText<'a> {
    id_name: &'a str,
    record: &'a Record,
}

impl Serialize for FeatureText<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("type", "Feature")?;
        map.serialize_entry("properties", &PropertiesText(self))?;
        map.serialize_entry("geometry", &self.record.geometry.as_ref().map(GeometryText))?;
        map.end()
    }
}

struct PropertiesText<'a>(&'a FeatureText<'a>);

impl Serialize for PropertiesText<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let FeatureText { id_name, record } = self.0;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry(id_name, &record.id)?;
        for (name, value) in record.fields_but(&[id_name]) {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// A geometry's GeoJSON: polygons written straight from geo's coordinates, any other type
/// through the `geojson` crate (the reader rejects it as a file's).
struct GeometryText<'a>(&'a Geometry<f64>);

impl Serialize for GeometryText<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let (kind, polygons): (&str, &[Polygon<f64>]) = match self.0 {
            Geometry::Polygon(p) => ("Polygon", std::slice::from_ref(p)),
            Geometry::MultiPolygon(m) => ("MultiPolygon", &m.0),
            other => return geojson::Geometry::from(other).serialize(s),
        };
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("type", kind)?;
        let rings: Vec<Vec<RingText>> = polygons.iter().map(rings_of).collect();
        match kind {
            "Polygon" => map.serialize_entry("coordinates", &rings[0])?,
            _ => map.serialize_entry("coordinates", &rings)?,
        }
        map.end()
    }
}

fn rings_of(p: &Polygon<f64>) -> Vec<RingText<'_>> {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(RingText)
        .collect()
}

/// A ring's positions, `[x, y]` each.
struct RingText<'a>(&'a LineString<f64>);

impl Serialize for RingText<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.0.iter().map(|c| [c.x, c.y]))
    }
}
