//! The properties of `parcels.geojson` and `parks.geojson` as a table of typed columns, for
//! the formats that declare their columns before the rows (FlatGeobuf, GeoParquet).
//!
//! The columns are those GeoJSON writes, by the same names, in the same order: the input's
//! own properties (renamed `input_<name>` where the audit writes that name, as in GeoJSON),
//! the computed ones of [`PARCEL_COLUMNS`] and the map styling. A column of the input gets the
//! type its values share across the layer (text, number, yes/no); one whose values differ in
//! type, or are lists or objects, holds each value's JSON text.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io;

use crate::parks::ParkResult;
use crate::results::{AuditReport, ParcelResult};
use crate::schema::{Cell, Column, PARCEL_COLUMNS, PARK_COLUMNS};
use crate::source_text::InputText;

use super::geojson::{STYLE_KEYS, parcel_fill, park_colour, park_title, style, title_rest};

/// A column's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// UTF-8 text.
    Text,
    /// A 64-bit float (a JSON number).
    Float,
    /// A count.
    Int,
    /// Yes or no.
    Bool,
    /// A list of texts (reasons, rules).
    List,
    /// JSON text (an input property whose values are lists, objects or of several types).
    Json,
}

/// One row's value in a column; `Null` where GeoJSON writes `null` or leaves the property out.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    /// Nothing.
    Null,
    /// Text (or JSON text in a [`Kind::Json`] column).
    Text(Cow<'a, str>),
    /// A number.
    Float(f64),
    /// A count.
    Int(i64),
    /// Yes or no.
    Bool(bool),
    /// Texts.
    List(Vec<Cow<'a, str>>),
}

/// Where a column's values come from.
#[derive(Clone)]
enum Source {
    /// The input property of this name.
    Input,
    /// A column of the parcel table.
    Computed(&'static Column),
    /// The styling property of this index in [`STYLE_KEYS`].
    Style(usize),
}

/// A column: its name, type and source.
#[derive(Clone)]
pub(crate) struct Field {
    /// Its name, as in GeoJSON.
    pub(crate) name: String,
    /// Its type.
    pub(crate) kind: Kind,
    source: Source,
}

/// The parcel table's columns for a report.
pub(crate) struct ParcelTable<'r> {
    report: &'r AuditReport,
    text: Option<&'r InputText>,
    /// The columns, in order.
    pub(crate) fields: Vec<Field>,
    /// The column of each input property (by its input name).
    inputs: HashMap<String, usize>,
}

/// The type of a JSON value's raw text, `None` for `null`.
fn raw_kind(raw: &str) -> Option<Kind> {
    match raw.as_bytes().first() {
        Some(b'"') => Some(Kind::Text),
        Some(b't' | b'f') => Some(Kind::Bool),
        Some(b'n') | None => None,
        Some(b'[' | b'{') => Some(Kind::Json),
        Some(_) => Some(Kind::Float),
    }
}

/// A raw JSON value as a value of a column of `kind`.
fn raw_value(raw: &str, kind: Kind) -> Value<'_> {
    match (raw_kind(raw), kind) {
        (None, _) => Value::Null,
        (Some(Kind::Text), Kind::Text) => {
            serde_json::from_str::<Cow<str>>(raw).map_or(Value::Null, Value::Text)
        }
        (Some(Kind::Float), Kind::Float) => raw.parse().map_or(Value::Null, Value::Float),
        (Some(Kind::Bool), Kind::Bool) => Value::Bool(raw == "true"),
        _ => Value::Text(Cow::Borrowed(raw)),
    }
}

/// The type of a schema cell.
fn cell_kind(cell: &Cell<'_>) -> Kind {
    match cell {
        Cell::Text(_) | Cell::OptText(_) => Kind::Text,
        Cell::Num(_) | Cell::OptNum(_) => Kind::Float,
        Cell::Count(_) | Cell::OptCount(_) => Kind::Int,
        Cell::Flag(_) | Cell::OptFlag(_) => Kind::Bool,
        Cell::Reasons(_) | Cell::Names(_) => Kind::List,
        Cell::ByReason(_) => Kind::Json,
    }
}

/// A schema cell as a value; a figure that is not finite is `Null`, as GeoJSON's `null`.
pub(crate) fn cell_value(cell: Cell<'_>) -> Value<'_> {
    let num = |v: f64| {
        if v.is_finite() {
            Value::Float(v)
        } else {
            Value::Null
        }
    };
    match cell {
        Cell::Text(s) => Value::Text(Cow::Borrowed(s)),
        Cell::OptText(s) => s.map_or(Value::Null, |s| Value::Text(Cow::Borrowed(s))),
        Cell::Num(v) => num(v),
        Cell::OptNum(v) => v.map_or(Value::Null, num),
        Cell::Count(n) => Value::Int(i64::try_from(n).unwrap_or(i64::MAX)),
        Cell::OptCount(n) => n.map_or(Value::Null, |n| {
            Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
        }),
        Cell::Flag(b) => Value::Bool(b),
        Cell::OptFlag(b) => b.map_or(Value::Null, Value::Bool),
        Cell::Reasons(r) => Value::List(r.iter().map(|r| Cow::Borrowed(r.as_str())).collect()),
        Cell::Names(n) => Value::List(n.iter().map(|s| Cow::Owned(s.clone())).collect()),
        // An object, as in GeoJSON: `{"tax": {"count": 3, "area_mu": 41.5}, ...}`, as JSON text.
        Cell::ByReason(by) => Value::Text(Cow::Owned(
            serde_json::Value::Object(crate::rollup::by_reason_map(by)).to_string(),
        )),
    }
}

/// The input properties of every parcel, each with the type its values share, in order of
/// first appearance.
fn input_kinds(report: &AuditReport, text: Option<&InputText>) -> io::Result<Vec<(String, Kind)>> {
    let mut seen: Vec<(String, Option<Kind>)> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    let n = report.parcel_count();
    for start in (0..n).step_by(8192) {
        let rows = start..(start + 8192).min(n);
        let properties =
            (report.parcel_table.properties(rows.clone(), text)).map_err(io::Error::other)?;
        for row in rows {
            let Some(raw) = properties.get(report.parcel(row).record().row()) else {
                continue;
            };
            let Ok(entries) = serde_json::from_str::<super::geojson::Entries>(raw) else {
                continue;
            };
            for (k, v) in &entries.0 {
                let i = *at.entry(k.to_string()).or_insert_with(|| {
                    seen.push((k.to_string(), None));
                    seen.len() - 1
                });
                seen[i].1 = match (seen[i].1, raw_kind(v.get())) {
                    (old, None) => old,
                    (None, new) => new,
                    (Some(a), Some(b)) if a == b => Some(a),
                    _ => Some(Kind::Json),
                };
            }
        }
    }
    Ok((seen.into_iter())
        .map(|(k, kind)| (k, kind.unwrap_or(Kind::Text)))
        .collect())
}

impl<'r> ParcelTable<'r> {
    /// The columns of `report`'s `parcels.geojson`, its input properties read from `text`
    /// where they were left.
    ///
    /// # Errors
    /// As the properties' text read back.
    pub(crate) fn new(report: &'r AuditReport, text: Option<&'r InputText>) -> io::Result<Self> {
        let (graded, compared) = (
            report.summary.classes.is_some(),
            report.summary.changes.is_some(),
        );
        let shown: Vec<&'static Column> = (PARCEL_COLUMNS.iter())
            .filter(|c| c.geojson.shown(graded, compared))
            .collect();
        let taken = |name: &str| shown.iter().any(|c| c.name == name) || STYLE_KEYS.contains(&name);
        let mut fields = Vec::new();
        let mut inputs = HashMap::new();
        let kinds = input_kinds(report, text)?;
        for (key, kind) in &kinds {
            let mut name = key.clone();
            if taken(key) {
                if report.read_fields.iter().any(|r| r == key) {
                    continue;
                }
                let mut n = 2;
                name = format!("input_{key}");
                while taken(&name) || kinds.iter().any(|(k, _)| *k == name) {
                    name = format!("input_{key}_{n}");
                    n += 1;
                }
            }
            inputs.insert(key.clone(), fields.len());
            let source = Source::Input;
            fields.push(Field {
                name,
                kind: *kind,
                source,
            });
        }
        let first = (report.parcel_count() > 0).then(|| report.parcel(0));
        for c in shown {
            let kind = first
                .as_ref()
                .map_or(Kind::Text, |p| cell_kind(&(c.value)(p)));
            let (name, source) = (c.name.to_string(), Source::Computed(c));
            fields.push(Field { name, kind, source });
        }
        for (i, key) in STYLE_KEYS.iter().enumerate() {
            let kind = if key.ends_with("opacity") || key.ends_with("width") {
                Kind::Float
            } else {
                Kind::Text
            };
            let (name, source) = (key.to_string(), Source::Style(i));
            fields.push(Field { name, kind, source });
        }
        Ok(ParcelTable {
            report,
            text,
            fields,
            inputs,
        })
    }

    /// Calls `row` with each parcel of `rows` and its values, one per column.
    ///
    /// # Errors
    /// As the properties' text read back, or as `row`.
    pub(crate) fn rows(
        &self,
        rows: std::ops::Range<usize>,
        row: &mut dyn FnMut(&ParcelResult<'_>, &[Value<'_>]) -> io::Result<()>,
    ) -> io::Result<()> {
        let properties = (self.report.parcel_table.properties(rows.clone(), self.text))
            .map_err(io::Error::other)?;
        let mut values: Vec<Value> = Vec::with_capacity(self.fields.len());
        for r in rows {
            let p = self.report.parcel(r);
            let raw = properties.get(p.record().row());
            let entries =
                raw.and_then(|raw| serde_json::from_str::<super::geojson::Entries>(raw).ok());
            values.clear();
            values.resize(self.fields.len(), Value::Null);
            for (k, v) in entries.iter().flat_map(|e| e.0.iter()) {
                if let Some(&i) = self.inputs.get(k.as_ref()) {
                    values[i] = raw_value(v.get(), self.fields[i].kind);
                }
            }
            let (graded, compared) = (p.class().is_some(), p.change().is_some());
            for (i, f) in self.fields.iter().enumerate() {
                values[i] = match &f.source {
                    Source::Input => continue,
                    Source::Computed(c) if c.geojson.shown(graded, compared) => {
                        cell_value((c.value)(&p))
                    }
                    Source::Computed(_) => Value::Null,
                    Source::Style(s) => parcel_style(&p, *s),
                };
            }
            row(&p, &values)?;
        }
        Ok(())
    }
}

/// A parcel's styling property `STYLE_KEYS[i]`.
fn parcel_style<'a>(p: &ParcelResult<'a>, i: usize) -> Value<'a> {
    match STYLE_KEYS[i] {
        "fill" => Value::Text(Cow::Borrowed(parcel_fill(p))),
        "stroke" => Value::Text(Cow::Borrowed(style::STROKE)),
        "fill-opacity" => Value::Float(style::PARCEL_FILL_OPACITY),
        "stroke-width" => Value::Float(style::PARCEL_STROKE_WIDTH),
        _ => {
            let mut title = p.parcel_id().as_bytes().to_vec();
            title_rest(&mut title, p);
            Value::Text(Cow::Owned(String::from_utf8_lossy(&title).into_owned()))
        }
    }
}

/// The park table's columns: those of `parks.geojson`, names and types.
pub(crate) fn park_fields(report: &AuditReport) -> Vec<(&'static str, Kind)> {
    let cap = report.summary.max_low_efficiency_ratio;
    let kinds: Vec<Kind> = match report.parks.first() {
        Some(k) => PARK_COLUMNS
            .iter()
            .map(|c| cell_kind(&(c.value)(k, cap)))
            .collect(),
        None => PARK_COLUMNS.iter().map(|_| Kind::Text).collect(),
    };
    let mut fields: Vec<(&'static str, Kind)> =
        PARK_COLUMNS.iter().map(|c| c.name).zip(kinds).collect();
    fields.extend([
        ("stroke", Kind::Text),
        ("stroke-width", Kind::Float),
        ("fill", Kind::Text),
        ("fill-opacity", Kind::Float),
        ("title", Kind::Text),
    ]);
    fields
}

/// A park's values, in the order of [`park_fields`].
pub(crate) fn park_values(k: &ParkResult, cap: f64) -> Vec<Value<'_>> {
    let mut values: Vec<Value> = PARK_COLUMNS
        .iter()
        .map(|c| cell_value((c.value)(k, cap)))
        .collect();
    let colour = park_colour(k);
    values.extend([
        Value::Text(Cow::Borrowed(colour)),
        Value::Float(style::PARK_STROKE_WIDTH),
        Value::Text(Cow::Borrowed(colour)),
        Value::Float(style::PARK_FILL_OPACITY),
        Value::Text(Cow::Owned(park_title(k, cap))),
    ]);
    values
}
