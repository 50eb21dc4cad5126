//! GeoJSON output: RFC 7946 (WGS84 lon/lat, exterior rings counter-clockwise, coordinates
//! exactly as the audit holds them),
//! with simplestyle properties (`fill`, `stroke`, `fill-opacity`, `stroke-width`) so that
//! geojson.io and Mapbox show the classes with no set-up.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};

use geo::Coord;
use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::config::OutputCrs;
use crate::crs::gcj02;
use crate::parks::ParkResult;
use crate::results::{AuditReport, ParcelResult};
use crate::rules::Reason;
use crate::schema::{Cell, PARCEL_COLUMNS, PARK_COLUMNS};
use crate::source_text::InputText;

/// Colours by a parcel's state.
pub(crate) mod style {
    /// Not low-efficiency.
    pub const OK: &str = "#1a9850";
    /// Low-efficiency by a metric minimum.
    pub const LOW: &str = "#d73027";
    /// Low-efficiency only by a missed contract commitment.
    pub const CONTRACT: &str = "#fc8d59";
    /// Idle.
    pub const IDLE: &str = "#7f7f7f";
    /// Unjudged: not low on its own figures, and its tenants' figures leave a firm out.
    pub const UNJUDGED: &str = "#f7f7f7";
    /// Parcel outline.
    pub const STROKE: &str = "#404040";
    /// A parcel's fill opacity (simplestyle).
    pub const PARCEL_FILL_OPACITY: f64 = 0.6;
    /// A parcel's outline width, in pixels (simplestyle).
    pub const PARCEL_STROKE_WIDTH: f64 = 0.5;
    /// A park's outline width, in pixels (simplestyle).
    pub const PARK_STROKE_WIDTH: f64 = 2.0;
    /// A park's fill opacity (simplestyle).
    pub const PARK_FILL_OPACITY: f64 = 0.08;
    /// A park over its cap.
    pub const PARK_OVER: &str = "#e31a1c";
    /// A park within its cap.
    pub const PARK_OK: &str = "#2166ac";
}

/// The fill colour of a parcel.
pub(crate) fn parcel_fill(p: &ParcelResult) -> &'static str {
    let reasons = p.reasons();
    if p.unjudged() {
        style::UNJUDGED
    } else if reasons.is_empty() {
        style::OK
    } else if reasons.contains(Reason::Idle) {
        style::IDLE
    } else if reasons.iter().all(|r| {
        matches!(
            r,
            Reason::ContractInvestment
                | Reason::ContractTax
                | Reason::ContractOutput
                | Reason::ContractPlotRatio
                | Reason::ContractAfterCompletion
                | Reason::StandardLandBreach
        )
    }) {
        style::CONTRACT
    } else {
        style::LOW
    }
}

/// Writes a coordinate in the shortest digits that read back as the same number: lon/lat
/// input comes out as it went in, and no rounding moves a vertex across an edge (rounding to
/// 1 cm turned valid Taiwanese zoning polygons into self-intersecting ones).
fn write_coordinate(out: &mut Vec<u8>, v: f64) {
    if v.is_finite() {
        let mut b = zmij::Buffer::new();
        out.extend_from_slice(b.format_finite(v).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

/// A coordinate as written in `crs`.
pub(crate) fn output_coord(c: Coord<f64>, crs: OutputCrs) -> Coord<f64> {
    match crs {
        OutputCrs::Wgs84 => c,
        OutputCrs::Gcj02 => {
            let (x, y) = gcj02::wgs84_to_gcj02(c.x, c.y);
            Coord { x, y }
        }
    }
}

fn write_coords(out: &mut Vec<u8>, ring: &[Coord<f64>], crs: OutputCrs) {
    out.push(b'[');
    for (k, c) in ring.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        let Coord { x, y } = output_coord(*c, crs);
        out.push(b'[');
        write_coordinate(out, x);
        out.push(b',');
        write_coordinate(out, y);
        out.push(b']');
    }
    out.push(b']');
}

/// Input properties as (name, raw value) pairs, in file order.
pub(crate) struct Entries<'a>(pub(crate) Vec<(Cow<'a, str>, &'a RawValue)>);

#[derive(Deserialize)]
struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::new();
                while let Some((Key(k), val)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
                    v.push((k, val));
                }
                Ok(Entries(v))
            }
        }
        d.deserialize_map(V)
    }
}

/// Writes a JSON object's members: first the input properties (those named as computed ones
/// renamed, see [`PropertyWriter::inputs`]), then the computed ones.
struct PropertyWriter<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl PropertyWriter<'_> {
    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        // Keys are escaped by serde_json (Chinese passes through as UTF-8).
        let _ = serde_json::to_writer(&mut *self.out, k);
        self.out.push(b':');
    }

    /// A member name of the crate's own: plain ASCII with nothing to escape, so written as it
    /// is (a million parcels have two dozen each).
    fn name(&mut self, k: &'static str) {
        debug_assert!(
            k.bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\'),
            "{k}"
        );
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(k.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn raw(&mut self, k: &str, v: &str) {
        self.key(k);
        self.out.extend_from_slice(v.as_bytes());
    }

    fn value<T: serde::Serialize + ?Sized>(&mut self, k: &'static str, v: &T) {
        self.name(k);
        let _ = serde_json::to_writer(&mut *self.out, v);
    }

    fn number(&mut self, k: &'static str, v: f64) {
        self.name(k);
        if v.is_finite() {
            let _ = serde_json::to_writer(&mut *self.out, &v);
        } else {
            self.out.extend_from_slice(b"null");
        }
    }

    /// A cell of the schema: nothing as `null`, lists as arrays.
    fn cell(&mut self, k: &'static str, cell: Cell<'_>) {
        match cell {
            Cell::Text(s) => self.value(k, s),
            Cell::OptText(s) => self.value(k, &s),
            Cell::Num(v) => self.number(k, v),
            Cell::OptNum(v) => self.opt_number(k, v),
            Cell::Count(n) => self.value(k, &n),
            Cell::OptCount(n) => self.value(k, &n),
            Cell::Flag(b) => self.value(k, &b),
            Cell::OptFlag(b) => self.value(k, &b),
            Cell::Reasons(reasons) => self.value(k, &reasons),
            Cell::Names(names) => self.value(k, &names),
            Cell::ByReason(by) => self.value(k, &crate::rollup::by_reason_map(by)),
        }
    }

    fn opt_number(&mut self, k: &'static str, v: Option<f64>) {
        match v {
            Some(v) => self.number(k, v),
            None => {
                self.name(k);
                self.out.extend_from_slice(b"null");
            }
        }
    }

    /// The input properties, every one kept. One named as a property the audit writes is kept
    /// as `input_<name>` (a `tax` of the parcel layer's own is not the tenants' sum), or
    /// `input_<name>_2`, `_3`, ... when the input has that name too; unless it is the field the
    /// audit read under that name (`read`: its `parcel_id` and `floor_area`), which the audit
    /// writes as read.
    fn inputs(&mut self, raw: Option<&str>, computed: &[&str], read: &[String; 2]) {
        let Some(raw) = raw else { return };
        let Ok(entries) = serde_json::from_str::<Entries>(raw) else {
            return;
        };
        let mut renamed: Vec<String> = Vec::new();
        for (k, v) in &entries.0 {
            if !computed.contains(&k.as_ref()) {
                self.raw(k, v.get());
            } else if !read.iter().any(|r| r == k) {
                let taken = |name: &str| {
                    entries.0.iter().any(|(other, _)| *other == name)
                        || computed.contains(&name)
                        || renamed.iter().any(|r| r == name)
                };
                let mut name = format!("input_{k}");
                let mut n = 2;
                while taken(&name) {
                    name = format!("input_{k}_{n}");
                    n += 1;
                }
                self.raw(&name, v.get());
                renamed.push(name);
            }
        }
    }
}

/// The properties `parcels.geojson` styles each parcel with (simplestyle-spec), and its title.
pub(crate) const STYLE_KEYS: [&str; 5] =
    ["fill", "stroke", "fill-opacity", "stroke-width", "title"];

fn start_collection(w: &mut dyn Write, name: &str, crs: OutputCrs) -> io::Result<()> {
    write!(w, "{{\"type\":\"FeatureCollection\",\"name\":\"{name}\",")?;
    if crs == OutputCrs::Gcj02 {
        // Not RFC 7946: say so where a reader can see it.
        w.write_all(b"\"crs_note\":\"GCJ-02 (AMap/Tencent) lon/lat, not WGS84\",")?;
    }
    w.write_all(b"\"features\":[\n")
}

/// Writes `parcels.geojson`, formatting chunks of features in parallel.
///
/// # Errors
/// I/O errors of `w`.
pub fn write_parcels_geojson(
    report: &AuditReport,
    w: &mut dyn Write,
    crs: OutputCrs,
) -> io::Result<()> {
    // Properties left in the input would be silently missing: say how to write them.
    (report.parcel_table.check_text_source(None)).map_err(io::Error::other)?;
    parcels(report, None, w, crs)
}

/// `parcels.geojson`, with the `properties` left in the input read back from `text`.
pub(super) fn parcels(
    report: &AuditReport,
    text: Option<&InputText>,
    w: &mut dyn Write,
    crs: OutputCrs,
) -> io::Result<()> {
    start_collection(w, "parcels", crs)?;
    // The names this report writes: those of every report, and those it has an evaluation
    // or a previous audit for.
    let (graded, compared) = (
        report.summary.classes.is_some(),
        report.summary.changes.is_some(),
    );
    let computed: Vec<&str> = (PARCEL_COLUMNS.iter())
        .filter(|c| c.geojson.shown(graded, compared))
        .map(|c| c.name)
        .chain(STYLE_KEYS)
        .collect();
    super::chunked_ranges(w, report.parcel_count(), 2048, &|rows, buf| {
        let properties = report
            .parcel_table
            .properties(rows.clone(), text)
            .map_err(io::Error::other)?;
        for row in rows {
            if row > 0 {
                buf.extend_from_slice(b",\n");
            }
            let p = report.parcel(row);
            let input = properties.get(p.record().row());
            write_parcel(buf, &p, input, crs, &computed, &report.read_fields);
        }
        Ok(())
    })?;
    w.write_all(b"\n]}\n")
}

/// One parcel feature; `computed` names the properties the report writes (input ones of
/// those names are kept renamed).
fn write_parcel(
    buf: &mut Vec<u8>,
    p: &ParcelResult<'_>,
    properties: Option<&str>,
    crs: OutputCrs,
    computed: &[&str],
    read: &[String; 2],
) {
    let record = p.record();
    buf.extend_from_slice(b"{\"type\":\"Feature\",");
    if let Some(id) = record.feature_id() {
        buf.extend_from_slice(b"\"id\":");
        buf.extend_from_slice(id.as_bytes());
        buf.push(b',');
    }
    buf.extend_from_slice(b"\"properties\":{");
    let mut pw = PropertyWriter {
        out: buf,
        first: true,
    };
    pw.inputs(properties, computed, read);
    let (graded, compared) = (p.class().is_some(), p.change().is_some());
    for c in PARCEL_COLUMNS
        .iter()
        .filter(|c| c.geojson.shown(graded, compared))
    {
        pw.cell(c.name, (c.value)(p));
    }
    pw.value("fill", parcel_fill(p));
    pw.value("stroke", style::STROKE);
    pw.number("fill-opacity", style::PARCEL_FILL_OPACITY);
    pw.number("stroke-width", style::PARCEL_STROKE_WIDTH);
    pw.name("title");
    // `"<id>: ok"` or `"<id>: low-efficiency (tax, idle)"`, written in place: the id escaped
    // as JSON, the rest plain ASCII.
    let _ = serde_json::to_writer(&mut *pw.out, p.parcel_id());
    pw.out.pop(); // the closing quote: the text goes on
    title_rest(pw.out, p);
    pw.out.push(b'"');
    buf.extend_from_slice(b"},\"geometry\":");
    write_shape(buf, &record.shape(), record.is_multi(), crs);
    buf.push(b'}');
}

/// Appends what a parcel's `title` says after its id (plain ASCII): `": ok"` or
/// `": low-efficiency (tax, idle)"`.
pub(crate) fn title_rest(out: &mut Vec<u8>, p: &ParcelResult<'_>) {
    let reasons = p.reasons();
    if p.unjudged() {
        out.extend_from_slice(b": not judged (a firm on it was left out of its figures)");
    } else if reasons.is_empty() {
        out.extend_from_slice(b": ok");
    } else {
        out.extend_from_slice(b": low-efficiency (");
        for (i, r) in reasons.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b", ");
            }
            out.extend_from_slice(r.as_str().as_bytes());
        }
        out.push(b')');
    }
}

/// Appends a shape from the arena: a Polygon when it came as one, else a MultiPolygon.
pub(crate) fn write_shape(
    out: &mut Vec<u8>,
    shape: &crate::shapes::ShapeRef<'_>,
    multi: bool,
    crs: OutputCrs,
) {
    let polygon = |out: &mut Vec<u8>, p: &crate::shapes::PolygonRef<'_>| {
        out.push(b'[');
        write_coords(out, p.exterior(), crs);
        for hole in p.interiors() {
            out.push(b',');
            write_coords(out, hole, crs);
        }
        out.push(b']');
    };
    let mut polygons = shape.polygons();
    if !multi && polygons.len() == 1 {
        out.extend_from_slice(br#"{"type":"Polygon","coordinates":"#);
        if let Some(p) = polygons.next() {
            polygon(out, &p);
        }
    } else {
        out.extend_from_slice(br#"{"type":"MultiPolygon","coordinates":["#);
        for (i, p) in polygons.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            polygon(out, &p);
        }
        out.push(b']');
    }
    out.push(b'}');
}

/// Writes `parks.geojson`.
///
/// # Errors
/// I/O errors of `w`.
pub fn write_parks_geojson(
    report: &AuditReport,
    w: &mut dyn Write,
    crs: OutputCrs,
) -> io::Result<()> {
    start_collection(w, "parks", crs)?;
    let mut buf = Vec::with_capacity(4096);
    for (i, k) in report.parks.iter().enumerate() {
        buf.clear();
        if i > 0 {
            buf.extend_from_slice(b",\n");
        }
        write_park(&mut buf, report, k, crs);
        w.write_all(&buf)?;
    }
    w.write_all(b"\n]}\n")
}

fn write_park(buf: &mut Vec<u8>, report: &AuditReport, k: &ParkResult, crs: OutputCrs) {
    let cap = report.summary.max_low_efficiency_ratio;
    buf.extend_from_slice(b"{\"type\":\"Feature\",\"properties\":{");
    let mut pw = PropertyWriter {
        out: buf,
        first: true,
    };
    for c in &PARK_COLUMNS {
        pw.cell(c.name, (c.value)(k, cap));
    }
    let colour = park_colour(k);
    pw.value("stroke", colour);
    pw.number("stroke-width", style::PARK_STROKE_WIDTH);
    pw.value("fill", colour);
    pw.number("fill-opacity", style::PARK_FILL_OPACITY);
    pw.value("title", &park_title(k, cap));
    buf.extend_from_slice(b"},\"geometry\":");
    let shapes = report.park_table.shapes();
    write_shape(buf, &shapes.get(k.row), shapes.is_multi(k.row), crs);
    buf.push(b'}');
}

/// A park's outline and fill colour: over its cap or not.
pub(crate) fn park_colour(k: &ParkResult) -> &'static str {
    if k.over_cap {
        style::PARK_OVER
    } else {
        style::PARK_OK
    }
}

/// A park's `title`: its id, name and ratio against the cap `cap`.
pub(crate) fn park_title(k: &ParkResult, cap: f64) -> String {
    let unjudged = match k.unjudged_count {
        0 => String::new(),
        1 => "; 1 parcel not judged".to_string(),
        n => format!("; {n} parcels not judged"),
    };
    let ratio = match k.low_efficiency_ratio {
        Some(r) => format!("{} low-efficiency", super::ratio_percent(r, cap)),
        None if k.parcel_count > 0 => "no parcel judged".to_string(),
        None => "no parcels".to_string(),
    };
    format!(
        "{} {}: {ratio}{}{unjudged}",
        k.park_id,
        k.name.as_deref().unwrap_or(""),
        if k.over_cap { " (over the cap)" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coordinate(v: f64) -> String {
        let mut out = Vec::new();
        write_coordinate(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn coordinates_are_written_whole() {
        assert_eq!(coordinate(120.0), "120.0");
        assert_eq!(coordinate(-0.5), "-0.5");
        assert_eq!(coordinate(30.123456789), "30.123456789");
        assert_eq!(coordinate(f64::NAN), "null");
    }

    proptest::proptest! {
        /// Every finite coordinate reads back as the same number, whatever its magnitude.
        #[test]
        fn coordinates_read_back_exactly(bits in proptest::prelude::any::<u64>()) {
            let v = f64::from_bits(bits);
            if v.is_finite() {
                // std's parser rounds correctly (serde_json's default one may be an ulp off).
                let back: f64 = coordinate(v).parse().unwrap();
                proptest::prop_assert_eq!(back.to_bits(), v.to_bits());
            }
        }
    }
}
