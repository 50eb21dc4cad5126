//! ISO WKB (as OGR exports a geometry) written as a GeoJSON geometry: x and y of every
//! position at full precision (Z and M are dropped, as the Shapefile reader drops them).
//! Curves (circular strings, compound curves, curve polygons and their collections) are not
//! linearised: the geometry is written as its type alone, which the layer's checks reject as
//! the wrong geometry type.

/// How a geometry was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    /// As GeoJSON, every position.
    Plain,
    /// Holding curves: written as `{"type":"<its WKB type name>","coordinates":[]}`.
    Curved,
}

/// Why a geometry was not written.
enum Stop {
    Curved,
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
        // ISO: +1000 Z, +2000 M, +3000 ZM; the older extended form: high bits.
        let (z_flag, m_flag) = (raw & 0x8000_0000 != 0, raw & 0x4000_0000 != 0);
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

/// Writes the geometry `wkb` holds as GeoJSON to `out`.
///
/// # Errors
/// What is wrong with WKB that cannot be read (cut short, a count past its end, an unknown
/// type): OGR's own export, so a fault of the source or of GDAL, not of a record.
pub(crate) fn write_geojson(wkb: &[u8], out: &mut Vec<u8>) -> Result<Written, String> {
    let start = out.len();
    let mut c = Cursor {
        b: wkb,
        at: 0,
        little: true,
    };
    match geometry(&mut c, out) {
        Ok(()) => Ok(Written::Plain),
        Err(Stop::Bad(m)) => Err(m),
        Err(Stop::Curved) => {
            out.truncate(start);
            let mut c = Cursor {
                b: wkb,
                at: 0,
                little: true,
            };
            let (base, _) = c
                .header()
                .map_err(|_| "unreadable WKB header".to_string())?;
            out.extend_from_slice(b"{\"type\":\"");
            out.extend_from_slice(type_name(base).as_bytes());
            out.extend_from_slice(b"\",\"coordinates\":[]}");
            Ok(Written::Curved)
        }
    }
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

/// One whole geometry, header and all.
fn geometry(c: &mut Cursor<'_>, out: &mut Vec<u8>) -> Result<(), Stop> {
    let (base, dims) = c.header()?;
    if base == 7 {
        out.extend_from_slice(b"{\"type\":\"GeometryCollection\",\"geometries\":[");
        let n = c.count(9)?;
        for i in 0..n {
            if i > 0 {
                out.push(b',');
            }
            geometry(c, out)?;
        }
        out.extend_from_slice(b"]}");
        return Ok(());
    }
    if !(1..=6).contains(&base) {
        return if (8..=12).contains(&base) {
            Err(Stop::Curved)
        } else {
            Err(Stop::Bad(format!(
                "geometry type {} (WKB {base}) is not read",
                type_name(base)
            )))
        };
    }
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(type_name(base).as_bytes());
    out.extend_from_slice(b"\",\"coordinates\":");
    body(c, base, dims, out)?;
    out.push(b'}');
    Ok(())
}

/// A geometry's coordinates (its header read): `base` 1 to 6.
fn body(c: &mut Cursor<'_>, base: u32, dims: usize, out: &mut Vec<u8>) -> Result<(), Stop> {
    match base {
        1 => position(c, dims, out, true),
        2 => positions(c, dims, out),
        3 => {
            let n = c.count(4)?;
            list(n, out, |out| positions(c, dims, out))
        }
        _ => {
            // Multi*: each member a whole geometry of the single type.
            let member = base - 3;
            let n = c.count(5)?;
            list(n, out, |out| {
                let (b, d) = c.header()?;
                match b {
                    b if b == member => body(c, b, d, out),
                    8..=12 => Err(Stop::Curved),
                    b => Err(Stop::Bad(format!(
                        "a {} holds a {}",
                        type_name(base),
                        type_name(b)
                    ))),
                }
            })
        }
    }
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
    super::super::shp::coord(x, out);
    out.push(b',');
    super::super::shp::coord(y, out);
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

    #[test]
    fn curves_are_named_not_read_and_bad_wkb_is_an_error() {
        let mut cp = Vec::new();
        header(&mut cp, 12);
        cp.extend_from_slice(&1u32.to_le_bytes());
        header(&mut cp, 10);
        cp.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(
            geojson(&cp),
            (
                "{\"type\":\"MultiSurface\",\"coordinates\":[]}".to_string(),
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
