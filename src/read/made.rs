//! GeoJSON text made from another format's records (a Shapefile's, a GeoPackage's table's, a
//! GeoParquet file's, a source read through GDAL), so that each is read by the GeoJSON
//! pipeline itself: the collection's opening with the CRS its source declares, strings, and
//! numbers written to round-trip exactly.

use crate::crs::Crs;

/// Opens a FeatureCollection: `{"type":"FeatureCollection"`, the CRS its source declares as
/// GeoJSON's legacy `crs` member (the name the CRS reader takes back), then `,"features":[`.
pub(crate) fn collection_start(crs: Option<&Crs>, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"type\":\"FeatureCollection\"");
    if let Some(crs) = crs {
        out.extend_from_slice(b",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":");
        json_string(&crs.full_name(), out);
        out.extend_from_slice(b"}}");
    }
    out.extend_from_slice(b",\"features\":[\n");
}

/// `s` as a JSON string.
pub(crate) fn json_string(s: &str, out: &mut Vec<u8>) {
    // Serializing a str to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// `x` as a JSON number, in the fewest digits that read back as the same `f64`; `null` for a
/// value JSON cannot hold (NaN, infinite), which the layer's checks then reject.
pub(crate) fn number(x: f64, out: &mut Vec<u8>) {
    if x.is_finite() {
        let mut b = zmij::Buffer::new();
        out.extend_from_slice(b.format_finite(x).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_opening_names_the_crs_and_numbers_round_trip() {
        let mut out = Vec::new();
        collection_start(None, &mut out);
        assert_eq!(out, b"{\"type\":\"FeatureCollection\",\"features\":[\n");
        for x in [0.1 + 0.2, 500_000.123_456_789, -1e-300, 3.0] {
            let mut out = Vec::new();
            number(x, &mut out);
            let back: f64 = std::str::from_utf8(&out).unwrap().parse().unwrap();
            assert_eq!(back.to_bits(), x.to_bits());
        }
        let mut out = Vec::new();
        number(f64::NAN, &mut out);
        json_string("宗地 \"A\"", &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "null\"宗地 \\\"A\\\"\"");
    }
}
