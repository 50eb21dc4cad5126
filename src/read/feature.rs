//! One GeoJSON feature's bytes → its id, properties and geometry, each checked.
//!
//! Parsing happens in two passes over a feature's bytes: the first splits it into raw
//! members (`id`, `properties`, `geometry`), which validates the JSON syntax of the whole
//! feature; the second parses each member knowing what it must be. So a syntax error is a
//! file error (the file is malformed), while a wrong type, a short position or an open ring is
//! a record error that names the feature and its id.

use std::borrow::Cow;
use std::fmt;

use geo::{Coord, LineString, MultiPolygon, Point, Polygon};
use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::error::{Error, FeatureContext, abbreviate};

/// A feature split into its raw members.
#[derive(Deserialize)]
pub(crate) struct RawFeature<'a> {
    #[serde(rename = "type", borrow, default)]
    pub(crate) kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) properties: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) geometry: Option<&'a RawValue>,
}

/// What a layer's geometry came as.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawGeometry {
    /// A Polygon (`multi == false`) or MultiPolygon, rings as written.
    Polygons {
        shape: MultiPolygon<f64>,
        multi: bool,
    },
    /// A Point.
    Point(Point<f64>),
}

/// The geometry types a layer takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accept {
    Polygons,
    Point,
}

impl Accept {
    fn expected(self) -> &'static str {
        match self {
            Accept::Polygons => "Polygon or MultiPolygon",
            Accept::Point => "Point",
        }
    }
}

#[derive(Deserialize)]
struct GeometryMembers<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    coordinates: Option<&'a RawValue>,
}

/// Parses a feature's `geometry` member, checking rings (closed, ≥ 4 positions) and positions
/// (≥ 2 numbers). Validity in the OGC sense is checked by the caller.
pub(crate) fn parse_geometry(
    raw: Option<&RawValue>,
    accept: Accept,
    ctx: &FeatureContext,
) -> Result<RawGeometry, Error> {
    let raw = match raw {
        Some(raw) => raw,
        None => return Err(Error::NullGeometry { ctx: ctx.clone() }),
    };
    let members: GeometryMembers =
        serde_json::from_str(raw.get()).map_err(|e| Error::BadCoordinates {
            ctx: ctx.clone(),
            expected: "a GeoJSON geometry object",
            found: strip_position(&e),
        })?;
    let kind = members.kind.unwrap_or(Cow::Borrowed("(no type)"));
    let wrong_type = || Error::GeometryType {
        ctx: ctx.clone(),
        expected: accept.expected(),
        found: kind.to_string(),
    };
    let coordinates = |expected| {
        members.coordinates.ok_or_else(|| Error::BadCoordinates {
            ctx: ctx.clone(),
            expected,
            found: "no \"coordinates\" member".into(),
        })
    };
    let mut problem = None;
    let bad = |e: serde_json::Error, expected: &'static str| Error::BadCoordinates {
        ctx: ctx.clone(),
        expected,
        found: strip_position(&e),
    };
    let parsed = match (&*kind, accept) {
        ("Polygon", Accept::Polygons) => {
            const EXPECTED: &str = "an array of rings of positions";
            let text = coordinates(EXPECTED)?.get();
            let mut de = serde_json::Deserializer::from_str(text);
            Parsed::Rings(
                SeqSeed(&mut problem, RingLevel)
                    .deserialize(&mut de)
                    .map_err(|e| bad(e, EXPECTED))?,
            )
        }
        ("MultiPolygon", Accept::Polygons) => {
            const EXPECTED: &str = "an array of polygons of rings of positions";
            let text = coordinates(EXPECTED)?.get();
            let mut de = serde_json::Deserializer::from_str(text);
            Parsed::Polygons(
                SeqSeed(&mut problem, PolygonLevel)
                    .deserialize(&mut de)
                    .map_err(|e| bad(e, EXPECTED))?,
            )
        }
        ("Point", Accept::Point) => {
            const EXPECTED: &str = "a position [x, y]";
            let text = coordinates(EXPECTED)?.get();
            let mut de = serde_json::Deserializer::from_str(text);
            Parsed::Position(
                PositionSeed(&mut problem)
                    .deserialize(&mut de)
                    .map_err(|e| bad(e, EXPECTED))?,
            )
        }
        _ => return Err(wrong_type()),
    };
    build(parsed, problem, ctx)
}

/// Coordinates as parsed, before their checks.
pub(crate) enum Parsed {
    Rings(Vec<Vec<Coord<f64>>>),
    Polygons(Vec<Vec<Vec<Coord<f64>>>>),
    Position(Option<Coord<f64>>),
}

/// Checks parsed coordinates (short positions, ring closure and length) and builds the shape.
fn build(
    parsed: Parsed,
    problem: Option<usize>,
    ctx: &FeatureContext,
) -> Result<RawGeometry, Error> {
    short_position(problem, ctx)?;
    Ok(match parsed {
        Parsed::Rings(rings) => {
            check_rings(std::slice::from_ref(&rings), ctx)?;
            RawGeometry::Polygons {
                shape: MultiPolygon(vec![polygon_from(rings)]),
                multi: false,
            }
        }
        Parsed::Polygons(polygons) => {
            check_rings(&polygons, ctx)?;
            RawGeometry::Polygons {
                shape: MultiPolygon(polygons.into_iter().map(polygon_from).collect()),
                multi: true,
            }
        }
        Parsed::Position(Some(c)) => RawGeometry::Point(Point(c)),
        Parsed::Position(None) => {
            return Err(Error::PositionTooShort {
                ctx: ctx.clone(),
                found: 0,
            });
        }
    })
}

/// A feature read in one pass, for the common case: `type` before `coordinates` in its geometry.
/// Anything unusual (members out of that order, a syntax or type error) is left to the two-pass
/// reader, which says exactly what is wrong.
#[derive(Deserialize)]
pub(crate) struct FastFeature<'a> {
    #[serde(rename = "type", borrow, default)]
    pub(crate) kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) properties: Option<&'a RawValue>,
    #[serde(default)]
    pub(crate) geometry: Option<FastGeometry>,
}

/// A geometry read in one pass; `parsed` is `None` when the one pass could not apply.
pub(crate) struct FastGeometry {
    kind: Option<String>,
    parsed: Option<Parsed>,
    problem: Option<usize>,
}

impl<'de> Deserialize<'de> for FastGeometry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FastGeometry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a GeoJSON geometry object")
            }
            fn visit_map<A: de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<FastGeometry, A::Error> {
                let mut g = FastGeometry {
                    kind: None,
                    parsed: None,
                    problem: None,
                };
                let mut unusual = false;
                while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                    match &*key {
                        "type" if g.kind.is_none() => g.kind = Some(map.next_value()?),
                        "coordinates" if g.parsed.is_none() && !unusual => {
                            g.parsed = Some(match g.kind.as_deref() {
                                Some("Polygon") => Parsed::Rings(
                                    map.next_value_seed(SeqSeed(&mut g.problem, RingLevel))?,
                                ),
                                Some("MultiPolygon") => Parsed::Polygons(
                                    map.next_value_seed(SeqSeed(&mut g.problem, PolygonLevel))?,
                                ),
                                Some("Point") => Parsed::Position(
                                    map.next_value_seed(PositionSeed(&mut g.problem))?,
                                ),
                                _ => {
                                    map.next_value::<de::IgnoredAny>()?;
                                    unusual = true;
                                    continue;
                                }
                            })
                        }
                        "type" | "coordinates" => {
                            map.next_value::<de::IgnoredAny>()?;
                            unusual = true;
                        }
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                if unusual {
                    g.parsed = None;
                }
                Ok(g)
            }
        }
        d.deserialize_map(V)
    }
}

impl FastGeometry {
    /// True when the one pass read this geometry fully and its type is one the layer takes.
    fn usable(&self, accept: Accept) -> bool {
        self.parsed.is_some()
            && matches!(
                (self.kind.as_deref(), accept),
                (Some("Polygon" | "MultiPolygon"), Accept::Polygons)
                    | (Some("Point"), Accept::Point)
            )
    }
}

/// A feature's geometry member, read in one pass or kept raw for the two-pass reader.
pub(crate) enum Geom<'a> {
    /// Read in one pass (`None`: absent or null).
    Fast(Option<FastGeometry>),
    /// Raw text (`None`: absent or null).
    Raw(Option<&'a RawValue>),
    /// Read from another encoding (GeoParquet's WKB) into what the one pass gives.
    #[cfg_attr(not(feature = "parquet"), allow(dead_code))]
    Parsed(Parsed),
}

impl Geom<'_> {
    /// The checked geometry.
    pub(crate) fn resolve(
        self,
        accept: Accept,
        ctx: &FeatureContext,
    ) -> Result<RawGeometry, Error> {
        match self {
            Geom::Fast(None) | Geom::Raw(None) => Err(Error::NullGeometry { ctx: ctx.clone() }),
            Geom::Fast(Some(g)) => match g.parsed {
                Some(parsed) => build(parsed, g.problem, ctx),
                None => Err(Error::NullGeometry { ctx: ctx.clone() }),
            },
            Geom::Raw(raw) => parse_geometry(raw, accept, ctx),
            Geom::Parsed(parsed) => {
                let found = match (&parsed, accept) {
                    (Parsed::Rings(_), Accept::Point) => "Polygon",
                    (Parsed::Polygons(_), Accept::Point) => "MultiPolygon",
                    (Parsed::Position(_), Accept::Polygons) => "Point",
                    _ => return build(parsed, None, ctx),
                };
                Err(Error::GeometryType {
                    ctx: ctx.clone(),
                    expected: accept.expected(),
                    found: found.into(),
                })
            }
        }
    }

    /// True when the geometry is absent or null.
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Geom::Fast(None) | Geom::Raw(None))
    }
}

/// A feature's members: read in one pass when it can be, else split for the two-pass reader.
pub(crate) struct Members<'a> {
    pub(crate) id: Option<&'a RawValue>,
    pub(crate) properties: Option<&'a RawValue>,
    pub(crate) geometry: Geom<'a>,
}

impl<'a> Members<'a> {
    /// One pass when the feature is ordinary; `None` sends it to the two-pass reader.
    pub(crate) fn fast(bytes: &'a [u8], accept: Accept) -> Option<Members<'a>> {
        let f: FastFeature<'a> = serde_json::from_slice(bytes).ok()?;
        if !matches!(f.kind.as_deref(), None | Some("Feature")) {
            return None;
        }
        if let Some(g) = &f.geometry
            && !g.usable(accept)
        {
            return None;
        }
        Some(Members {
            id: f.id,
            properties: f.properties,
            geometry: Geom::Fast(f.geometry),
        })
    }

    /// From the two-pass reader's split.
    pub(crate) fn raw(raw: RawFeature<'a>) -> Members<'a> {
        Members {
            id: raw.id,
            properties: raw.properties,
            geometry: Geom::Raw(raw.geometry),
        }
    }
}

fn short_position(problem: Option<usize>, ctx: &FeatureContext) -> Result<(), Error> {
    match problem {
        Some(found) => Err(Error::PositionTooShort {
            ctx: ctx.clone(),
            found,
        }),
        None => Ok(()),
    }
}

/// Checks every ring is closed (as written: geo-types would close it silently) and has at
/// least 4 positions, and that there is at least one polygon.
fn check_rings(polygons: &[Vec<Vec<Coord<f64>>>], ctx: &FeatureContext) -> Result<(), Error> {
    if polygons.is_empty() {
        return Err(Error::EmptyGeometry { ctx: ctx.clone() });
    }
    let mut ring_no = 0;
    for rings in polygons {
        if rings.is_empty() {
            return Err(Error::EmptyGeometry { ctx: ctx.clone() });
        }
        for ring in rings {
            let n = ring.len();
            if n > 0 && ring[0] != ring[n - 1] {
                return Err(Error::RingNotClosed {
                    ctx: ctx.clone(),
                    ring: ring_no,
                });
            }
            if n < 4 {
                return Err(Error::RingTooShort {
                    ctx: ctx.clone(),
                    ring: ring_no,
                    found: n,
                });
            }
            ring_no += 1;
        }
    }
    Ok(())
}

fn polygon_from(mut rings: Vec<Vec<Coord<f64>>>) -> Polygon<f64> {
    let interiors = rings
        .split_off(1.min(rings.len()))
        .into_iter()
        .map(LineString)
        .collect();
    let exterior = rings.pop().unwrap_or_default();
    Polygon::new(LineString(exterior), interiors)
}

/// serde_json errors end with " at line L column C" relative to the member; drop it, the
/// feature index says where.
fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// A position: at least two numbers; extra values (z, m) are ignored. `None` (with the count
/// recorded in the problem slot) when it has fewer than two.
struct PositionSeed<'p>(&'p mut Option<usize>);

impl<'de> DeserializeSeed<'de> for PositionSeed<'_> {
    type Value = Option<Coord<f64>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for PositionSeed<'_> {
    type Value = Option<Coord<f64>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a position (an array of numbers)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let x: Option<f64> = seq.next_element()?;
        let y: Option<f64> = match x {
            Some(_) => seq.next_element()?,
            None => None,
        };
        while seq.next_element::<f64>()?.is_some() {}
        match (x, y) {
            (Some(x), Some(y)) => Ok(Some(Coord { x, y })),
            (x, _) => {
                if self.0.is_none() {
                    *self.0 = Some(usize::from(x.is_some()));
                }
                Ok(None)
            }
        }
    }
}

/// A ring: an array of positions. Short positions are dropped here and reported through the
/// problem slot.
struct RingSeed<'p>(&'p mut Option<usize>);

impl<'de> DeserializeSeed<'de> for RingSeed<'_> {
    type Value = Vec<Coord<f64>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RingSeed<'_> {
    type Value = Vec<Coord<f64>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a ring (an array of positions)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(8));
        while let Some(c) = seq.next_element_seed(PositionSeed(&mut *self.0))? {
            if let Some(c) = c {
                out.push(c);
            }
        }
        Ok(out)
    }
}

/// A level that knows how to read one element given the problem slot.
trait Level: Copy {
    type Item;
    fn read<'de, A: SeqAccess<'de>>(
        self,
        problem: &mut Option<usize>,
        seq: &mut A,
    ) -> Result<Option<Self::Item>, A::Error>;
    fn expecting() -> &'static str;
}

#[derive(Clone, Copy)]
struct RingLevel;

impl Level for RingLevel {
    type Item = Vec<Coord<f64>>;
    fn read<'de, A: SeqAccess<'de>>(
        self,
        problem: &mut Option<usize>,
        seq: &mut A,
    ) -> Result<Option<Self::Item>, A::Error> {
        seq.next_element_seed(RingSeed(problem))
    }
    fn expecting() -> &'static str {
        "an array of rings"
    }
}

#[derive(Clone, Copy)]
struct PolygonLevel;

impl Level for PolygonLevel {
    type Item = Vec<Vec<Coord<f64>>>;
    fn read<'de, A: SeqAccess<'de>>(
        self,
        problem: &mut Option<usize>,
        seq: &mut A,
    ) -> Result<Option<Self::Item>, A::Error> {
        seq.next_element_seed(SeqSeed(problem, RingLevel))
    }
    fn expecting() -> &'static str {
        "an array of polygons"
    }
}

/// An array whose elements are read by level `L`.
struct SeqSeed<'p, L>(&'p mut Option<usize>, L);

impl<'de, L: Level> DeserializeSeed<'de> for SeqSeed<'_, L> {
    type Value = Vec<L::Item>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, L: Level> Visitor<'de> for SeqSeed<'_, L> {
    type Value = Vec<L::Item>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(L::expecting())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = self.1.read(&mut *self.0, &mut seq)? {
            out.push(item);
        }
        Ok(out)
    }
}

/// Properties as (name, raw value) pairs, borrowed from the feature's bytes.
#[derive(Default)]
pub(crate) struct Props<'a> {
    entries: Vec<(Cow<'a, str>, &'a RawValue)>,
}

#[derive(Deserialize)]
struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

struct PropsVisitor;

impl<'de> Visitor<'de> for PropsVisitor {
    type Value = Props<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of properties")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some((Key(k), v)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
            entries.push((k, v));
        }
        Ok(Props { entries })
    }
}

impl<'a> Props<'a> {
    /// Splits a `properties` member; `null` or absent gives no properties.
    pub(crate) fn parse(raw: Option<&'a RawValue>, ctx: &FeatureContext) -> Result<Self, Error> {
        let raw = match raw {
            Some(raw) => raw,
            None => return Ok(Props::default()),
        };
        let mut de = serde_json::Deserializer::from_str(raw.get());
        de.deserialize_map(PropsVisitor)
            .map_err(|_| Error::InvalidValue {
                ctx: ctx.clone(),
                property: "properties".into(),
                expected: "an object".into(),
                found: abbreviate(raw.get()),
            })
    }

    /// The raw value of `key`; `None` when absent, `null` or a blank string (as an empty CSV
    /// cell is absent, for numbers as for text). The last of duplicate keys wins.
    pub(crate) fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .filter(|v| v.get() != "null" && !blank_string(v.get()))
    }

    /// A text property: strings as they are, numbers as written. Absent or null gives `None`.
    ///
    /// An empty (or blank) string is absent too, as an empty CSV cell is: shapefile exports
    /// write `""` for a text field left empty, and such a `parcel_id` must not become a key
    /// that matches nothing (the enterprise then joins by its point, the parcel takes its
    /// GeoJSON `id`).
    pub(crate) fn text(&self, key: &str, ctx: &FeatureContext) -> Result<Option<String>, Error> {
        match self.get(key) {
            None => Ok(None),
            // Trimmed, as CSV cells are: "P1 " and "P1" are one key. (A blank string is
            // absent already: `get` does not return it.)
            Some(v) => match raw_text(v) {
                Some(t) if t.trim().len() < t.len() => Ok(Some(t.trim().to_string())),
                Some(t) => Ok(Some(t)),
                None => Err(Error::InvalidValue {
                    ctx: ctx.clone(),
                    property: key.into(),
                    expected: "a string or a number".into(),
                    found: abbreviate(v.get()),
                }),
            },
        }
    }

    /// A number ≥ 0 and finite, or a string holding one (`"10685.11"`). A string that holds
    /// no plain number ("1,234.5", "12万"), a boolean, an object is an error naming the
    /// property; absent or null gives `None`.
    pub(crate) fn non_negative(
        &self,
        key: &str,
        expected: &'static str,
        ctx: &FeatureContext,
    ) -> Result<Option<f64>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => parse_json_number(v.get(), key, expected, ctx).map(Some),
        }
    }
}

/// True for a JSON string of white space only (`""`, `" "`, a full-width space).
fn blank_string(raw: &str) -> bool {
    let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
        return false;
    };
    if inner.contains('\\') {
        serde_json::from_str::<String>(raw).is_ok_and(|t| t.trim().is_empty())
    } else {
        inner.trim().is_empty()
    }
}

/// A JSON string's or number's text; `None` for other JSON values. A number is as written
/// (a 19-digit code keeps every digit), but for a fraction of zeros: `12.0`, as a GIS writes
/// an integer code kept in a real-number field, is `12`, the key a CSV or another layer gives.
pub(crate) fn raw_text(v: &RawValue) -> Option<String> {
    let t = v.get();
    match t.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(t).ok(),
        Some(b'-' | b'0'..=b'9') => Some(
            match t.split_once('.') {
                Some((whole, fraction))
                    if !fraction.is_empty() && fraction.bytes().all(|b| b == b'0') =>
                {
                    whole
                }
                _ => t,
            }
            .to_string(),
        ),
        _ => None,
    }
}

/// A number ≥ 0 as written in a CSV cell or a bare JSON number token. A leading `.` is for CSV
/// cells (`.5`, as some tools write it); in GeoJSON such a bare token is already malformed
/// JSON. A quote, a letter (`inf`, `NaN`) or `+` is refused.
pub(crate) fn parse_non_negative(
    text: &str,
    key: &str,
    expected: &'static str,
    ctx: &FeatureContext,
) -> Result<f64, Error> {
    parse_digits(text, text, key, expected, ctx)
}

/// A GeoJSON property's value as a number ≥ 0: a JSON number, or a JSON string holding a plain
/// number (`"10685.11"`, as shapefile exports write numeric text fields), trimmed, as the same
/// text in a CSV cell is; "1,234.5", "12万" or "约225" in it is not a number.
pub(crate) fn parse_json_number(
    raw: &str,
    key: &str,
    expected: &'static str,
    ctx: &FeatureContext,
) -> Result<f64, Error> {
    if !raw.starts_with('"') {
        return parse_digits(raw, raw, key, expected, ctx);
    }
    match serde_json::from_str::<String>(raw) {
        Ok(text) => parse_digits(text.trim(), raw, key, expected, ctx),
        Err(_) => parse_digits("", raw, key, expected, ctx),
    }
}

/// `digits` as a number ≥ 0; `found` is how the value was written, for the error.
fn parse_digits(
    digits: &str,
    found: &str,
    key: &str,
    expected: &'static str,
    ctx: &FeatureContext,
) -> Result<f64, Error> {
    let not_a_number = || Error::NotANumber {
        ctx: ctx.clone(),
        property: key.into(),
        expected,
        found: abbreviate(found),
    };
    match digits.as_bytes().first() {
        Some(b'-' | b'.' | b'0'..=b'9') => {}
        _ => return Err(not_a_number()),
    }
    let value: f64 = match digits.parse() {
        Ok(value) => value,
        Err(_) => match grouped_number(digits) {
            Grouped::Thousands(value) => value,
            Grouped::Ambiguous => {
                return Err(Error::NotANumber {
                    ctx: ctx.clone(),
                    property: key.into(),
                    expected: AMBIGUOUS_GROUPING,
                    found: abbreviate(found),
                });
            }
            Grouped::No => return Err(not_a_number()),
        },
    };
    check_figure(value, key, expected, found, ctx)
}

/// What to do about a number whose grouping is ambiguous.
const AMBIGUOUS_GROUPING: &str = "a number written with a point for decimals and, if grouped,      commas between thousands (1234.50 or 1,234.50); a space between digits, or a comma      followed by other than three digits, may be a decimal comma (1 234,50 is 1234.50 in      Europe): write the number plainly";

/// A number as a spreadsheet may group its digits.
#[derive(Debug, PartialEq)]
enum Grouped {
    /// Thousands separated by commas, as Excel shows and exports a number formatted
    /// "1,234.50": the number.
    Thousands(f64),
    /// Digits grouped so that the number cannot be told: a space (or no-break space) between
    /// digits, a comma not followed by exactly three digits, a comma after the point.
    Ambiguous,
    /// Not a grouped number (letters, units, several points): not a number at all.
    No,
}

/// Reads `text` (which `str::parse` refused) as a number with grouped digits. Only
/// `1,234` and `1,234.50` (optionally signed: the sign is checked later) are numbers:
/// commas between groups of three digits after a first group of one to three, then an
/// optional fraction. A comma, space or no-break space between digits in any other way may
/// be a decimal comma, and is ambiguous; anything else is no number.
fn grouped_number(text: &str) -> Grouped {
    let body = text.strip_prefix('-').unwrap_or(text);
    let is_gap = |c: char| matches!(c, ',' | ' ' | '\u{a0}' | '\u{202f}');
    let plausible = !body.is_empty()
        && body.starts_with(|c: char| c.is_ascii_digit())
        && body.ends_with(|c: char| c.is_ascii_digit() || c == '.')
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || is_gap(c))
        && body.chars().any(is_gap);
    if !plausible {
        return Grouped::No;
    }
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    let groups: Vec<&str> = whole.split(',').collect();
    let thousands = fraction.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit()))
        && groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && groups[1..].iter().all(|g| g.len() == 3);
    if !thousands {
        return Grouped::Ambiguous;
    }
    let plain: String = text.chars().filter(|&c| c != ',').collect();
    plain.parse().map_or(Grouped::No, Grouped::Thousands)
}

/// `text` as a number of any sign, plain or with its thousands grouped by commas
/// (`500,050.5`), as a spreadsheet exports it; `None` otherwise. For coordinates.
pub(crate) fn signed_number(text: &str) -> Option<f64> {
    text.parse().ok().or_else(|| match grouped_number(text) {
        Grouped::Thousands(v) => Some(v),
        Grouped::Ambiguous | Grouped::No => None,
    })
}

/// True for an id as Excel shows a long all-digit code it took for a number: one digit, an
/// optional fraction, `E+` and the exponent (`9.13401E+17` for a 统一社会信用代码 of 18
/// digits). Its last digits are lost: it names no firm and no parcel for sure.
pub(crate) fn mangled_id(id: &str) -> bool {
    let Some((mantissa, exponent)) = id.split_once(['E', 'e']) else {
        return false;
    };
    let (lead, fraction) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    lead.len() == 1
        && digits(lead)
        && digits(fraction)
        && exponent.strip_prefix('+').is_some_and(digits)
}

/// A figure as every input must hold it: finite, at most
/// [`MAX_FIGURE`](crate::units::MAX_FIGURE), not negative (-0.0 is 0). `found` is how it was
/// written. For the readers and for rows a caller pushed.
pub(crate) fn check_figure(
    value: f64,
    key: &str,
    expected: &'static str,
    found: &str,
    ctx: &FeatureContext,
) -> Result<f64, Error> {
    if !value.is_finite() {
        return Err(Error::NotANumber {
            ctx: ctx.clone(),
            property: key.into(),
            expected,
            found: abbreviate(found),
        });
    }
    if value > crate::units::MAX_FIGURE {
        return Err(Error::InvalidValue {
            ctx: ctx.clone(),
            property: key.into(),
            expected: format!("{expected}, at most {:e}", crate::units::MAX_FIGURE),
            found: abbreviate(found),
        });
    }
    if value < 0.0 {
        return Err(Error::NegativeValue {
            ctx: ctx.clone(),
            property: key.into(),
            found: value,
        });
    }
    Ok(value.abs())
}

pub(crate) fn parse_flag(text: &str) -> Option<bool> {
    let s = match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text).ok()?,
        _ => text.to_string(),
    };
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "是" => Some(true),
        "false" | "0" | "no" | "n" | "否" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Layer;
    use std::sync::Arc;

    fn ctx() -> FeatureContext {
        FeatureContext::new(
            Arc::new(std::path::PathBuf::from("f.geojson")),
            Layer::Parcels,
            7,
        )
    }

    fn geom(text: &str, accept: Accept) -> Result<RawGeometry, Error> {
        let raw: Box<RawValue> = serde_json::from_str(text).unwrap();
        parse_geometry(Some(&raw), accept, &ctx())
    }

    const SQUARE: &str = "[[0,0],[1,0],[1,1],[0,1],[0,0]]";

    #[test]
    fn polygon_and_multipolygon_parse_with_type_after_coordinates() {
        let g = geom(
            &format!(r#"{{"coordinates":[{SQUARE}],"type":"Polygon"}}"#),
            Accept::Polygons,
        )
        .unwrap();
        match g {
            RawGeometry::Polygons { shape, multi } => {
                assert!(!multi);
                assert_eq!(shape.0[0].exterior().0.len(), 5);
            }
            _ => panic!(),
        }
        let g = geom(
            &format!(r#"{{"type":"MultiPolygon","coordinates":[[{SQUARE}],[{SQUARE},{SQUARE}]]}}"#),
            Accept::Polygons,
        )
        .unwrap();
        match g {
            RawGeometry::Polygons { shape, multi } => {
                assert!(multi);
                assert_eq!(shape.0.len(), 2);
                assert_eq!(shape.0[1].interiors().len(), 1);
            }
            _ => panic!(),
        }
    }

    #[test]
    fn short_position_is_an_error_not_a_panic() {
        let e = geom(
            r#"{"type":"Polygon","coordinates":[[[0,0],[1],[1,1],[0,0]]]}"#,
            Accept::Polygons,
        )
        .unwrap_err();
        assert!(matches!(e, Error::PositionTooShort { found: 1, .. }), "{e}");
        let e = geom(r#"{"type":"Point","coordinates":[]}"#, Accept::Point).unwrap_err();
        assert!(matches!(e, Error::PositionTooShort { found: 0, .. }), "{e}");
    }

    #[test]
    fn ring_problems() {
        let e = geom(
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#,
            Accept::Polygons,
        )
        .unwrap_err();
        assert!(matches!(e, Error::RingNotClosed { ring: 0, .. }), "{e}");
        let e = geom(
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#,
            Accept::Polygons,
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                Error::RingTooShort {
                    ring: 0,
                    found: 3,
                    ..
                }
            ),
            "{e}"
        );
        let e = geom(r#"{"type":"Polygon","coordinates":[]}"#, Accept::Polygons).unwrap_err();
        assert!(
            matches!(e, Error::RingTooShort { .. } | Error::EmptyGeometry { .. }),
            "{e}"
        );
        let e = geom(
            r#"{"type":"MultiPolygon","coordinates":[]}"#,
            Accept::Polygons,
        )
        .unwrap_err();
        assert!(matches!(e, Error::EmptyGeometry { .. }), "{e}");
    }

    #[test]
    fn wrong_types_and_nesting() {
        let e = geom(r#"{"type":"Point","coordinates":[1,2]}"#, Accept::Polygons).unwrap_err();
        assert!(
            matches!(e, Error::GeometryType { ref found, .. } if found == "Point"),
            "{e}"
        );
        let e = geom(
            r#"{"type":"Polygon","coordinates":[[1,2],[3,4]]}"#,
            Accept::Polygons,
        )
        .unwrap_err();
        assert!(matches!(e, Error::BadCoordinates { .. }), "{e}");
        let e = geom(
            r#"{"type":"Polygon","coordinates":[[["a",2]]]}"#,
            Accept::Polygons,
        )
        .unwrap_err();
        assert!(matches!(e, Error::BadCoordinates { .. }), "{e}");
        let e = geom(r#"{"type":"Polygon"}"#, Accept::Polygons).unwrap_err();
        assert!(matches!(e, Error::BadCoordinates { .. }), "{e}");
        let e = parse_geometry(None, Accept::Point, &ctx()).unwrap_err();
        assert!(matches!(e, Error::NullGeometry { .. }));
    }

    #[test]
    fn numbers_are_strict() {
        let c = ctx();
        assert_eq!(parse_non_negative("12.5", "tax", "万元", &c).unwrap(), 12.5);
        assert_eq!(parse_non_negative("-0", "tax", "万元", &c).unwrap(), 0.0);
        assert_eq!(parse_non_negative(".5", "tax", "万元", &c).unwrap(), 0.5);
        assert_eq!(parse_non_negative("1.", "tax", "万元", &c).unwrap(), 1.0);
        // In GeoJSON, a number written as a string, as shapefile exports write numeric text
        // fields; a CSV cell's text is taken as it is, quotes and all.
        let json = |t: &str| parse_json_number(t, "a", "m²", &c);
        assert_eq!(json(r#""10685.11""#).unwrap(), 10685.11);
        assert_eq!(json(r#"" 7 ""#).unwrap(), 7.0);
        assert_eq!(json(r#""1e3""#).unwrap(), 1000.0);
        assert_eq!(json("12.5").unwrap(), 12.5);
        let e = parse_json_number(r#""-3""#, "tax", "万元", &c).unwrap_err();
        assert!(matches!(e, Error::NegativeValue { found, .. } if found == -3.0));
        // Thousands grouped by commas, as Excel exports a number formatted so.
        assert_eq!(json(r#""1,234.5""#).unwrap(), 1234.5);
        for bad in [
            r#""约225""#,
            r#""\"5\"""#,
            r#""NaN""#,
            r#""+5""#,
            r#""""#,
            r#""1e999""#,
        ] {
            let e = json(bad).unwrap_err();
            assert!(
                matches!(e, Error::NotANumber { ref found, .. } if found == bad),
                "{bad}: {e}"
            );
        }
        let e = parse_non_negative(r#""300""#, "tax", "万元", &c).unwrap_err();
        assert!(matches!(e, Error::NotANumber { .. }), "{e}");
        for bad in [
            r#""1,234.5""#,
            "1,234.5.6",
            "12,5万",
            r#""12万""#,
            r#""—""#,
            "true",
            "{}",
            "1e999",
            ".",
            ".e5",
            "+5",
            "inf",
            "NaN",
        ] {
            let e = parse_non_negative(bad, "tax", "万元", &c).unwrap_err();
            assert!(
                matches!(e, Error::NotANumber { ref property, .. } if property == "tax"),
                "{bad}: {e}"
            );
        }
        let e = parse_non_negative("1e308", "tax", "万元", &c).unwrap_err();
        assert!(
            matches!(e, Error::InvalidValue { ref property, .. } if property == "tax"),
            "{e}"
        );
        assert!(parse_non_negative("1e15", "tax", "万元", &c).is_ok());
        let e = parse_non_negative("-3", "tax", "万元", &c).unwrap_err();
        assert!(matches!(e, Error::NegativeValue { found, .. } if found == -3.0));
    }

    #[test]
    fn thousands_are_read_and_a_decimal_comma_is_refused() {
        let c = ctx();
        let read = |t: &str| parse_non_negative(t, "tax", "万元", &c);
        assert_eq!(read("1,234.50").unwrap(), 1234.5);
        assert_eq!(read("1,234").unwrap(), 1234.0);
        assert_eq!(read("12,345,678.9").unwrap(), 12_345_678.9);
        let e = read("-1,234").unwrap_err();
        assert!(matches!(e, Error::NegativeValue { found, .. } if found == -1234.0));
        for ambiguous in [
            "1 234,50",
            "1.234,50",
            "1,23",
            "1234,5",
            "1 234",
            "1\u{a0}234",
        ] {
            let e = read(ambiguous).unwrap_err();
            assert!(
                matches!(e, Error::NotANumber { expected, .. } if expected == AMBIGUOUS_GROUPING),
                "{ambiguous}: {e}"
            );
            assert!(e.to_string().contains("decimal comma"), "{e}");
        }
        assert_eq!(signed_number("-500,050.5"), Some(-500_050.5));
        assert_eq!(signed_number("1 234,5"), None);
    }

    #[test]
    fn an_id_excel_made_a_number_is_told() {
        for mangled in ["9.13401E+17", "9.13401e+17", "9E+17", "1.2E+5"] {
            assert!(mangled_id(mangled), "{mangled}");
        }
        for id in [
            "913401001234567890",
            "91340100MA2XXXXX1E",
            "E+17",
            "9.1E17",
            "19E+17",
            "9.E+17",
            "1e-5",
            "P-1",
        ] {
            assert!(!mangled_id(id), "{id}");
        }
    }

    #[test]
    fn props_lookup() {
        let raw: Box<RawValue> =
            serde_json::from_str(r#"{"a":1,"b":null,"名":"中","a":2}"#).unwrap();
        let p = Props::parse(Some(&raw), &ctx()).unwrap();
        assert_eq!(p.get("a").unwrap().get(), "2");
        assert!(p.get("b").is_none());
        assert_eq!(p.text("名", &ctx()).unwrap().as_deref(), Some("中"));
        assert_eq!(parse_flag(r#""是""#), Some(true));
        assert_eq!(parse_flag("0"), Some(false));
        assert_eq!(parse_flag(r#""maybe""#), None);
    }
}
