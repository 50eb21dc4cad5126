//! WKB written as a GeoJSON geometry, for the readers that get WKB (GeoParquet's geometry
//! column, a source read through GDAL): ISO WKB (Z, M, ZM as +1000, +2000, +3000) and the
//! extended form (flags in the high bits, an SRID skipped), either byte order; x and y of every
//! position at full precision (Z and M are dropped, as the Shapefile reader drops them).
//! Curves (circular strings, compound curves, curve polygons and their collections, as ArcGIS
//! stores a parcel with a rounded corner) are made into vertices every [`ARC_STEP_DEGREES`]
//! along each arc, as GDAL's own linearisation does by default, its ends kept exactly.
//!
//! The common kinds (Point, Polygon, MultiPolygon, finite) are also read straight into the
//! shape the GeoJSON reader would make of that text ([`linear`]), for GeoParquet's rows.

use geo::Coord;

use super::feature::Parsed;

/// The most an arc turns between two vertices made of it: GDAL's default
/// (`OGR_ARC_STEPSIZE`).
pub(crate) const ARC_STEP_DEGREES: f64 = 4.0;

/// How a geometry was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    /// As GeoJSON, every position.
    Plain,
    /// Holding curves, made into vertices.
    Curved,
}

/// Why a geometry was not written.
enum Stop {
    Bad(String),
}

/// A cursor over WKB bytes; each geometry in it says its own byte order.
struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
    little: bool,
}

impl Cursor<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], Stop> {
        let bytes = self
            .b
            .get(self.at..self.at + N)
            .and_then(|s| <[u8; N]>::try_from(s).ok())
            .ok_or_else(|| Stop::Bad(format!("the WKB ends at byte {}", self.b.len())))?;
        self.at += N;
        Ok(bytes)
    }

    fn u32(&mut self) -> Result<u32, Stop> {
        let b = self.take::<4>()?;
        Ok(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self) -> Result<f64, Stop> {
        let b = self.take::<8>()?;
        Ok(if self.little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    /// A geometry's header: its base type (1 Point ... 7 GeometryCollection, 8+ curves) and
    /// the number of ordinates of each position.
    fn header(&mut self) -> Result<(u32, usize), Stop> {
        let [order] = self.take::<1>()?;
        self.little = match order {
            1 => true,
            0 => false,
            b => return Err(Stop::Bad(format!("byte order {b} is neither 0 nor 1"))),
        };
        let raw = self.u32()?;
        // ISO: +1000 Z, +2000 M, +3000 ZM; the older extended form: high bits, and an SRID
        // after the type when its flag is set (PostGIS).
        let (z_flag, m_flag) = (raw & 0x8000_0000 != 0, raw & 0x4000_0000 != 0);
        if raw & 0x2000_0000 != 0 {
            self.u32()?;
        }
        let code = raw & 0x0FFF_FFFF;
        let (base, iso) = (code % 1000, code / 1000);
        let z = z_flag || iso == 1 || iso == 3;
        let m = m_flag || iso == 2 || iso == 3;
        Ok((base, 2 + usize::from(z) + usize::from(m)))
    }

    /// A count of items of at least `each` bytes, checked against the bytes left.
    fn count(&mut self, each: usize) -> Result<usize, Stop> {
        let n = self.u32()? as usize;
        let left = self.b.len().saturating_sub(self.at);
        if n.saturating_mul(each) > left {
            return Err(Stop::Bad(format!(
                "the WKB declares {n} items but {left} bytes are left"
            )));
        }
        Ok(n)
    }
}

/// Collections nested deeper than this are refused (a hostile file could nest them until the
/// stack overflows).
const MAX_DEPTH: usize = 8;

/// Writes the geometry `wkb` holds as GeoJSON to `out`; on an error `out` is as it was.
///
/// # Errors
/// What is wrong with WKB that cannot be read (cut short, a count past its end, an unknown
/// type, collections nested past [`MAX_DEPTH`]).
pub(crate) fn write_geojson(wkb: &[u8], out: &mut Vec<u8>) -> Result<Written, String> {
    let start = out.len();
    let mut c = Cursor {
        b: wkb,
        at: 0,
        little: true,
    };
    let mut curved = false;
    match geometry(&mut c, out, &mut curved, 0) {
        Ok(()) if curved => Ok(Written::Curved),
        Ok(()) => Ok(Written::Plain),
        Err(Stop::Bad(m)) => {
            out.truncate(start);
            Err(m)
        }
    }
}

/// The shape WKB of the common kinds holds — a Point, a Polygon or a MultiPolygon of
/// polygons, every ordinate finite — as the GeoJSON reader parses the text [`write_geojson`]
/// makes of it, without the text; `None` for anything else (another type, curves, an empty or
/// non-finite position, damaged bytes), which is to go by way of that text to be read, or named
/// as wrong, as GeoJSON is.
// Only the GeoParquet reader (the `parquet` feature) reads WKB directly so far.
#[cfg_attr(not(feature = "parquet"), allow(dead_code))]
pub(crate) fn linear(wkb: &[u8]) -> Option<Parsed> {
    let mut c = Cursor {
        b: wkb,
        at: 0,
        little: true,
    };
    let (base, dims) = c.header().ok()?;
    Some(match base {
        1 => Parsed::Position(Some(coord(&mut c, dims)?)),
        3 => Parsed::Rings(rings(&mut c, dims)?),
        6 => {
            let n = c.count(9).ok()?;
            let mut polygons = Vec::with_capacity(n);
            for _ in 0..n {
                let (b, d) = c.header().ok()?;
                if b != 3 {
                    return None;
                }
                polygons.push(rings(&mut c, d)?);
            }
            Parsed::Polygons(polygons)
        }
        _ => return None,
    })
}

/// A polygon's rings (its header read), for [`linear`].
#[cfg_attr(not(feature = "parquet"), allow(dead_code))]
fn rings(c: &mut Cursor<'_>, dims: usize) -> Option<Vec<Vec<Coord<f64>>>> {
    let n = c.count(4).ok()?;
    let mut rings = Vec::with_capacity(n);
    for _ in 0..n {
        let m = c.count(dims * 8).ok()?;
        let mut ring = Vec::with_capacity(m);
        for _ in 0..m {
            ring.push(coord(c, dims)?);
        }
        rings.push(ring);
    }
    Some(rings)
}

/// One position's x and y, finite, its other ordinates skipped, for [`linear`].
#[cfg_attr(not(feature = "parquet"), allow(dead_code))]
fn coord(c: &mut Cursor<'_>, dims: usize) -> Option<Coord<f64>> {
    let (x, y) = (c.f64().ok()?, c.f64().ok()?);
    for _ in 2..dims {
        c.f64().ok()?;
    }
    (x.is_finite() && y.is_finite()).then_some(Coord { x, y })
}

/// The WKB type's name, as GeoJSON would call it.
fn type_name(base: u32) -> &'static str {
    match base {
        1 => "Point",
        2 => "LineString",
        3 => "Polygon",
        4 => "MultiPoint",
        5 => "MultiLineString",
        6 => "MultiPolygon",
        7 => "GeometryCollection",
        8 => "CircularString",
        9 => "CompoundCurve",
        10 => "CurvePolygon",
        11 => "MultiCurve",
        12 => "MultiSurface",
        15 => "PolyhedralSurface",
        16 => "TIN",
        17 => "Triangle",
        _ => "Unknown",
    }
}

/// One whole geometry, header and all, `depth` collections down; `curved` set when it holds
/// arcs.
fn geometry(
    c: &mut Cursor<'_>,
    out: &mut Vec<u8>,
    curved: &mut bool,
    depth: usize,
) -> Result<(), Stop> {
    let (base, dims) = c.header()?;
    if base == 7 {
        if depth >= MAX_DEPTH {
            return Err(Stop::Bad(format!(
                "geometry collections nested more than {MAX_DEPTH} deep"
            )));
        }
        out.extend_from_slice(b"{\"type\":\"GeometryCollection\",\"geometries\":[");
        let n = c.count(9)?;
        for i in 0..n {
            if i > 0 {
                out.push(b',');
            }
            geometry(c, out, curved, depth + 1)?;
        }
        out.extend_from_slice(b"]}");
        return Ok(());
    }
    // A curve is written as the linear type it becomes.
    let written = match base {
        1..=6 => base,
        8 | 9 => 2,
        10 => 3,
        11 => 5,
        12 => 6,
        _ => {
            return Err(Stop::Bad(format!(
                "geometry type {} (WKB {base}) is not read",
                type_name(base)
            )));
        }
    };
    *curved |= base >= 8;
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(type_name(written).as_bytes());
    out.extend_from_slice(b"\",\"coordinates\":");
    body(c, base, dims, out)?;
    out.push(b'}');
    Ok(())
}

/// A geometry's coordinates (its header read): `base` 1 to 6, or a curve's (8 to 12) as
/// those of the linear type it becomes.
fn body(c: &mut Cursor<'_>, base: u32, dims: usize, out: &mut Vec<u8>) -> Result<(), Stop> {
    match base {
        1 => position(c, dims, out, true),
        2 => positions(c, dims, out),
        3 => {
            let n = c.count(4)?;
            list(n, out, |out| positions(c, dims, out))
        }
        8 | 9 => {
            write_line(&curve(c, base, dims)?, out);
            Ok(())
        }
        10 => {
            // Its rings: each a whole curve (LineString, CircularString, CompoundCurve).
            let n = c.count(9)?;
            list(n, out, |out| {
                let (b, d) = c.header()?;
                write_line(&curve(c, b, d)?, out);
                Ok(())
            })
        }
        _ => {
            // Multi*: each member a whole geometry of the single type (or its curved kin).
            let allowed: &[u32] = match base {
                4 => &[1],
                5 | 11 => &[2, 8, 9],
                _ => &[3, 10],
            };
            let n = c.count(5)?;
            list(n, out, |out| {
                let (b, d) = c.header()?;
                if !allowed.contains(&b) {
                    return Err(Stop::Bad(format!(
                        "a {} holds a {}",
                        type_name(base),
                        type_name(b)
                    )));
                }
                body(c, b, d, out)
            })
        }
    }
}

/// A curve's vertices (its header read): a LineString's as they are, a CircularString's arcs
/// made into vertices, a CompoundCurve's parts joined.
fn curve(c: &mut Cursor<'_>, base: u32, dims: usize) -> Result<Vec<(f64, f64)>, Stop> {
    match base {
        2 | 8 => {
            let n = c.count(dims * 8)?;
            let mut pts = Vec::with_capacity(n);
            for _ in 0..n {
                pts.push((c.f64()?, c.f64()?));
                for _ in 2..dims {
                    c.f64()?;
                }
            }
            Ok(if base == 8 { arcs(&pts) } else { pts })
        }
        9 => {
            let n = c.count(9)?;
            let mut joined: Vec<(f64, f64)> = Vec::new();
            for _ in 0..n {
                let (b, d) = c.header()?;
                if b != 2 && b != 8 {
                    return Err(Stop::Bad(format!(
                        "a CompoundCurve holds a {}",
                        type_name(b)
                    )));
                }
                let part = curve(c, b, d)?;
                // Each part starts where the one before ends.
                let skip = usize::from(!joined.is_empty() && joined.last() == part.first());
                joined.extend_from_slice(&part[skip.min(part.len())..]);
            }
            Ok(joined)
        }
        b => Err(Stop::Bad(format!("a curve of type {}", type_name(b)))),
    }
}

/// A CircularString's points (an arc through each three, the ends shared) as vertices.
fn arcs(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < pts.len() {
        arc(pts[i], pts[i + 1], pts[i + 2], &mut out);
        i += 2;
    }
    // The last end exactly (and a point left over in a malformed string, as it is).
    out.extend_from_slice(&pts[i..]);
    out
}

/// The arc from `a` through `b` to `c` as vertices, `a` included and `c` not: evenly spread,
/// [`ARC_STEP_DEGREES`] apart at most.
fn arc(a: (f64, f64), b: (f64, f64), c: (f64, f64), out: &mut Vec<(f64, f64)>) {
    out.push(a);
    let full = a == c;
    // Twice the signed area of a, b, c: positive when the arc turns counter-clockwise.
    let turn = (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0);
    let (centre, radius) = if full {
        // A whole circle: b is across it from a.
        let m = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        (m, (a.0 - m.0).hypot(a.1 - m.1))
    } else {
        let d = 2.0 * (a.0 * (b.1 - c.1) + b.0 * (c.1 - a.1) + c.0 * (a.1 - b.1));
        let span = (a.0 - c.0).hypot(a.1 - c.1);
        if !d.is_finite() || d.abs() <= 1e-12 * span * span {
            // Three points in a line (or not numbers): two straight segments.
            out.push(b);
            return;
        }
        let sq = |p: (f64, f64)| p.0 * p.0 + p.1 * p.1;
        let (sa, sb, sc) = (sq(a), sq(b), sq(c));
        let ux = (sa * (b.1 - c.1) + sb * (c.1 - a.1) + sc * (a.1 - b.1)) / d;
        let uy = (sa * (c.0 - b.0) + sb * (a.0 - c.0) + sc * (b.0 - a.0)) / d;
        ((ux, uy), (a.0 - ux).hypot(a.1 - uy))
    };
    let angle = |p: (f64, f64)| (p.1 - centre.1).atan2(p.0 - centre.0);
    let tau = std::f64::consts::TAU;
    let sweep = if full {
        tau
    } else if turn > 0.0 {
        (angle(c) - angle(a)).rem_euclid(tau)
    } else {
        -(angle(a) - angle(c)).rem_euclid(tau)
    };
    let steps = (sweep.abs() / ARC_STEP_DEGREES.to_radians())
        .ceil()
        .max(1.0) as usize;
    let start = angle(a);
    for k in 1..steps {
        let t = start + sweep * k as f64 / steps as f64;
        out.push((centre.0 + radius * t.cos(), centre.1 + radius * t.sin()));
    }
}

/// Vertices as a GeoJSON position list.
fn write_line(pts: &[(f64, f64)], out: &mut Vec<u8>) {
    out.push(b'[');
    for (k, &(x, y)) in pts.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        out.push(b'[');
        super::made::number(x, out);
        out.push(b',');
        super::made::number(y, out);
        out.push(b']');
    }
    out.push(b']');
}

/// `[a,b,...]` of `n` items each written by `item`.
fn list(
    n: usize,
    out: &mut Vec<u8>,
    mut item: impl FnMut(&mut Vec<u8>) -> Result<(), Stop>,
) -> Result<(), Stop> {
    out.push(b'[');
    for i in 0..n {
        if i > 0 {
            out.push(b',');
        }
        item(out)?;
    }
    out.push(b']');
    Ok(())
}

/// A count and that many positions.
fn positions(c: &mut Cursor<'_>, dims: usize, out: &mut Vec<u8>) -> Result<(), Stop> {
    let n = c.count(dims * 8)?;
    list(n, out, |out| position(c, dims, out, false))
}

/// One position as `[x,y]`; a Point's empty position (NaN) as `[]`.
fn position(c: &mut Cursor<'_>, dims: usize, out: &mut Vec<u8>, point: bool) -> Result<(), Stop> {
    let (x, y) = (c.f64()?, c.f64()?);
    for _ in 2..dims {
        c.f64()?;
    }
    if point && x.is_nan() && y.is_nan() {
        out.extend_from_slice(b"[]");
        return Ok(());
    }
    out.push(b'[');
    super::made::number(x, out);
    out.push(b',');
    super::made::number(y, out);
    out.push(b']');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(out: &mut Vec<u8>, code: u32) {
        out.push(1);
        out.extend_from_slice(&code.to_le_bytes());
    }

    fn xy(out: &mut Vec<u8>, pts: &[(f64, f64)]) {
        out.extend_from_slice(&(pts.len() as u32).to_le_bytes());
        for (x, y) in pts {
            out.extend_from_slice(&x.to_le_bytes());
            out.extend_from_slice(&y.to_le_bytes());
        }
    }

    fn geojson(wkb: &[u8]) -> (String, Written) {
        let mut out = Vec::new();
        let w = write_geojson(wkb, &mut out).unwrap();
        (String::from_utf8(out).unwrap(), w)
    }

    #[test]
    fn polygons_points_and_collections_are_written_at_full_precision() {
        let ring = [
            (500000.1234567891, 3300000.0),
            (500100.0, 3300000.0),
            (500100.0, 3300100.0),
            (500000.1234567891, 3300000.0),
        ];
        let mut mp = Vec::new();
        header(&mut mp, 6);
        mp.extend_from_slice(&1u32.to_le_bytes());
        header(&mut mp, 3);
        mp.extend_from_slice(&1u32.to_le_bytes());
        xy(&mut mp, &ring);
        let (text, w) = geojson(&mp);
        assert_eq!(w, Written::Plain);
        assert_eq!(
            text,
            "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[500000.1234567891,3300000.0],\
             [500100.0,3300000.0],[500100.0,3300100.0],[500000.1234567891,3300000.0]]]]}"
        );
        // A big-endian Point Z: Z dropped.
        let mut p = vec![0u8];
        p.extend_from_slice(&1001u32.to_be_bytes());
        for v in [120.5f64, 31.25, 7.0] {
            p.extend_from_slice(&v.to_be_bytes());
        }
        assert_eq!(
            geojson(&p).0,
            "{\"type\":\"Point\",\"coordinates\":[120.5,31.25]}"
        );
    }

    /// The signed area of a ring (shoelace), for the tests.
    fn ring_area(ring: &[serde_json::Value]) -> f64 {
        let p: Vec<(f64, f64)> = ring
            .iter()
            .map(|v| (v[0].as_f64().unwrap(), v[1].as_f64().unwrap()))
            .collect();
        p.windows(2)
            .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
            .sum::<f64>()
            / 2.0
    }

    #[test]
    fn a_curve_polygon_is_made_into_vertices_every_four_degrees() {
        // A half disc of radius 50: an arc over the top (clockwise), then back along the
        // diameter; a MultiSurface of one CurvePolygon of one CompoundCurve.
        let mut ms = Vec::new();
        header(&mut ms, 12);
        ms.extend_from_slice(&1u32.to_le_bytes());
        header(&mut ms, 10);
        ms.extend_from_slice(&1u32.to_le_bytes());
        header(&mut ms, 9);
        ms.extend_from_slice(&2u32.to_le_bytes());
        header(&mut ms, 8);
        xy(&mut ms, &[(0.0, 0.0), (50.0, 50.0), (100.0, 0.0)]);
        header(&mut ms, 2);
        xy(&mut ms, &[(100.0, 0.0), (0.0, 0.0)]);
        let (text, w) = geojson(&ms);
        assert_eq!(w, Written::Curved);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["type"], "MultiPolygon");
        let ring = v["coordinates"][0][0].as_array().unwrap();
        // 180° in 45 steps of 4°: 46 points on the arc, then back to the start.
        assert_eq!(ring.len(), 47);
        assert_eq!(ring.first(), ring.last());
        assert_eq!(ring[45], serde_json::json!([100.0, 0.0]));
        // The inscribed polygon's area, by hand: 45 triangles of apex angle 4°; clockwise.
        let expected = 0.5 * 50.0f64.powi(2) * 45.0 * 4f64.to_radians().sin();
        let area = -ring_area(ring);
        assert!(
            (area - expected).abs() < 1e-9 * expected,
            "{area} {expected}"
        );
        // Within 0.1% of the half disc itself.
        let disc = std::f64::consts::PI * 2500.0 / 2.0;
        assert!((area - disc).abs() < 1e-3 * disc);
    }

    #[test]
    fn three_points_in_a_line_are_two_segments_and_bad_wkb_is_an_error() {
        let mut cs = Vec::new();
        header(&mut cs, 8);
        xy(&mut cs, &[(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)]);
        assert_eq!(
            geojson(&cs),
            (
                "{\"type\":\"LineString\",\"coordinates\":[[0.0,0.0],[1.0,1.0],[2.0,2.0]]}"
                    .to_string(),
                Written::Curved
            )
        );
        // A count far past the bytes there: an error, no allocation.
        let mut huge = Vec::new();
        header(&mut huge, 2);
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        let e = write_geojson(&huge, &mut Vec::new()).unwrap_err();
        assert!(e.contains("declares 4294967295 items"), "{e}");
        assert!(write_geojson(&[1, 3], &mut Vec::new()).is_err());
    }
}

/// Checks against WKB written by the `wkb` crate (GeoParquet's own geometry encoding).
#[cfg(test)]
mod written_by_the_wkb_crate {
    use super::*;

    fn geojson(wkb: &[u8]) -> std::result::Result<String, String> {
        let mut out = Vec::new();
        write_geojson(wkb, &mut out)?;
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
                .contains("declares")
        );
        assert!(
            geojson(&[2, 3, 0, 0, 0])
                .unwrap_err()
                .contains("byte order")
        );
        assert!(
            geojson(&[1, 99, 0, 0, 0])
                .unwrap_err()
                .contains("is not read")
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
        // Collections nested past the bound: an error, not a stack overflow.
        let nested: Vec<u8> = (0..100_000)
            .flat_map(|_| [1, 7, 0, 0, 0, 1, 0, 0, 0])
            .collect();
        assert!(geojson(&nested).unwrap_err().contains("nested"));
        // Extended WKB with an SRID (PostGIS): the SRID is skipped.
        let mut ewkb = vec![1];
        ewkb.extend_from_slice(&(1u32 | 0x2000_0000).to_le_bytes());
        ewkb.extend_from_slice(&4549u32.to_le_bytes());
        ewkb.extend_from_slice(&full[5..]);
        assert_eq!(
            geojson(&ewkb).unwrap(),
            r#"{"type":"Point","coordinates":[1.0,2.0]}"#
        );
    }
}

/// The direct read ([`linear`]) against the text route it stands in for: for any WKB of the
/// kinds it takes, and for the kinds it leaves to the text, the shape (or the reason a layer
/// refuses it) is the one the GeoJSON reader makes of [`write_geojson`]'s text.
#[cfg(test)]
mod linear_against_the_text {
    use super::*;
    use crate::error::{FeatureContext, Layer};
    use crate::read::feature::{Accept, Geom, RawGeometry, parse_geometry};
    use proptest::prelude::*;
    use serde_json::value::RawValue;

    /// The geometry as each route reads it for a layer taking `accept`, as text to compare:
    /// a shape's Debug with every ordinate rounded to 14 significant digits (serde_json's
    /// reading of the text can be an ulp off the value written; WKB's is exact), or the
    /// error's message.
    fn both(wkb: &[u8], accept: Accept) -> (Option<String>, String) {
        let ctx = FeatureContext::new(std::sync::Arc::new("t".into()), Layer::Parcels, 0);
        let show = |r: Result<RawGeometry, crate::error::Error>| match r {
            Ok(RawGeometry::Point(p)) => format!("Point {:.13e} {:.13e}", p.x(), p.y()),
            Ok(RawGeometry::Polygons { shape, multi }) => {
                let rings: Vec<Vec<String>> = (shape.0.iter())
                    .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                    .map(|r| {
                        r.0.iter()
                            .map(|c| format!("{:.13e} {:.13e}", c.x, c.y))
                            .collect()
                    })
                    .collect();
                format!("Polygons of {} multi {multi}: {rings:?}", shape.0.len())
            }
            Err(e) => e.to_string(),
        };
        let direct = linear(wkb).map(|p| show(Geom::Parsed(p).resolve(accept, &ctx)));
        let mut text = Vec::new();
        let via_text = match write_geojson(wkb, &mut text) {
            Ok(_) => {
                let raw: &RawValue = serde_json::from_slice(&text).unwrap();
                show(parse_geometry(Some(raw), accept, &ctx))
            }
            Err(m) => format!("damaged: {m}"),
        };
        (direct, via_text)
    }

    fn ordinate() -> impl Strategy<Value = f64> {
        prop_oneof![
            8 => -1e7..1e7f64,
            1 => Just(0.5),
            1 => prop::sample::select(vec![f64::NAN, f64::INFINITY, -0.0, 1e-300]),
        ]
    }

    /// WKB of a Point (1), Polygon (3), MultiPolygon (6) or LineString (2), little- or
    /// big-endian, 2 to 4 ordinates a position, rings open or closed, of 0 to 6 positions.
    fn wkb_of() -> impl Strategy<Value = Vec<u8>> {
        let ring = prop::collection::vec((ordinate(), ordinate()), 0..6)
            .prop_flat_map(|pts| (Just(pts), any::<bool>()));
        let rings = prop::collection::vec(ring, 0..3);
        (
            prop::sample::select(vec![1u32, 2, 3, 6]),
            any::<bool>(),
            prop::sample::select(vec![0u32, 1000, 3000]),
            prop::collection::vec(rings, 1..3),
        )
            .prop_map(|(base, little, dims, polygons)| {
                let extra = match dims {
                    0 => 0,
                    1000 => 1,
                    _ => 2,
                };
                let mut out = Vec::new();
                let u32_of = |v: u32, out: &mut Vec<u8>| {
                    out.extend(if little {
                        v.to_le_bytes()
                    } else {
                        v.to_be_bytes()
                    })
                };
                let f64_of = |v: f64, out: &mut Vec<u8>| {
                    out.extend(if little {
                        v.to_le_bytes()
                    } else {
                        v.to_be_bytes()
                    })
                };
                let header = |code: u32, out: &mut Vec<u8>| {
                    out.push(u8::from(little));
                    u32_of(code + dims, out);
                };
                let position = |(x, y): (f64, f64), out: &mut Vec<u8>| {
                    f64_of(x, out);
                    f64_of(y, out);
                    for _ in 0..extra {
                        f64_of(7.0, out);
                    }
                };
                let polygon = |rings: &[(Vec<(f64, f64)>, bool)], out: &mut Vec<u8>| {
                    u32_of(rings.len() as u32, out);
                    for (pts, close) in rings {
                        let closing = *close && !pts.is_empty();
                        u32_of((pts.len() + usize::from(closing)) as u32, out);
                        for &p in pts.iter().chain(pts.first().filter(|_| closing)) {
                            position(p, out);
                        }
                    }
                };
                header(base, &mut out);
                let first = polygons[0]
                    .first()
                    .map(|(p, _)| p.clone())
                    .unwrap_or_default();
                match base {
                    1 => position(first.first().copied().unwrap_or((1.0, 2.0)), &mut out),
                    2 => {
                        u32_of(first.len() as u32, &mut out);
                        for &p in &first {
                            position(p, &mut out);
                        }
                    }
                    3 => polygon(&polygons[0], &mut out),
                    _ => {
                        u32_of(polygons.len() as u32, &mut out);
                        for rings in &polygons {
                            header(3, &mut out);
                            polygon(rings, &mut out);
                        }
                    }
                }
                out
            })
    }

    proptest! {
        #[test]
        fn the_direct_read_is_the_text_route(wkb in wkb_of(), cut in 0usize..4) {
            // Whole, or cut short by a few bytes (damaged).
            let wkb = &wkb[..wkb.len().saturating_sub(cut * 3)];
            for accept in [Accept::Polygons, Accept::Point] {
                let (direct, via_text) = both(wkb, accept);
                if let Some(direct) = direct {
                    prop_assert_eq!(direct, via_text);
                }
            }
        }
    }

    #[test]
    fn the_common_kinds_are_read_directly_and_the_rest_are_not() {
        let mut square = vec![1, 3, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0];
        for (x, y) in [
            (0.0f64, 0.0f64),
            (1.0, 0.0),
            (1.0, 1.0),
            (0.0, 1.0),
            (0.0, 0.0),
        ] {
            square.extend(x.to_le_bytes());
            square.extend(y.to_le_bytes());
        }
        assert!(linear(&square).is_some());
        let (direct, via_text) = both(&square, Accept::Polygons);
        assert_eq!(direct.as_deref(), Some(via_text.as_str()));
        assert!(via_text.contains("Polygons"), "{via_text}");
        // A point layer given a polygon: the same refusal both ways.
        let (direct, via_text) = both(&square, Accept::Point);
        assert_eq!(direct.as_deref(), Some(via_text.as_str()));
        assert!(via_text.contains("found Polygon"), "{via_text}");
        // A LineString, a non-finite ordinate, damaged bytes: left to the text route.
        let mut line = square.clone();
        line[1] = 2;
        assert!(linear(&line).is_none());
        let mut nan = square.clone();
        nan[13..21].copy_from_slice(&f64::NAN.to_le_bytes());
        assert!(linear(&nan).is_none());
        assert!(linear(&square[..square.len() - 1]).is_none());
    }
}
