//! GCJ-02 (AMap, Tencent) and BD-09 (Baidu): the web-map offsets of lon/lat used in China.
//!
//! GCJ-02 shifts WGS84 lon/lat by a smooth, non-linear offset of roughly 50–500 m inside
//! China (no offset outside a rough bounding box, as every implementation does). BD-09 adds
//! Baidu's own offset on top of GCJ-02. No EPSG code describes either, and neither has a closed
//! inverse: the inverses here iterate the forward formula until the round trip closes to
//! better than 1e-10° (about 0.01 mm).
//!
//! ```
//! use land_efficiency::gcj02::{gcj02_to_wgs84, wgs84_to_gcj02};
//! let (lon, lat) = (116.397_128, 39.916_527); // Tiananmen, WGS84
//! let (g_lon, g_lat) = wgs84_to_gcj02(lon, lat);
//! assert!((g_lon - lon).abs() > 1e-3); // shifted by hundreds of metres
//! let (w_lon, w_lat) = gcj02_to_wgs84(g_lon, g_lat);
//! assert!((w_lon - lon).abs() < 1e-9 && (w_lat - lat).abs() < 1e-9);
//! ```

use std::f64::consts::PI;

/// Krasovsky 1940 semi-major axis, which the GCJ-02 formula uses.
const A: f64 = 6_378_245.0;
/// Krasovsky 1940 first eccentricity squared.
const EE: f64 = 0.006_693_421_622_965_943;
const X_PI: f64 = PI * 3000.0 / 180.0;

/// True outside the rough bounding box of China where GCJ-02 applies no offset.
pub fn out_of_china(lon: f64, lat: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

fn offset_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn offset_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS84 lon/lat degrees → GCJ-02.
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if out_of_china(lon, lat) {
        return (lon, lat);
    }
    let d_lat = offset_lat(lon - 105.0, lat - 35.0);
    let d_lon = offset_lon(lon - 105.0, lat - 35.0);
    let rad = lat / 180.0 * PI;
    let magic = 1.0 - EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    let d_lat = d_lat * 180.0 / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let d_lon = d_lon * 180.0 / (A / sqrt_magic * rad.cos() * PI);
    (lon + d_lon, lat + d_lat)
}

/// GCJ-02 → BD-09.
pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let z = (lon * lon + lat * lat).sqrt() + 0.000_02 * (lat * X_PI).sin();
    let theta = lat.atan2(lon) + 0.000_003 * (lon * X_PI).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// WGS84 → BD-09.
pub fn wgs84_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let (g_lon, g_lat) = wgs84_to_gcj02(lon, lat);
    gcj02_to_bd09(g_lon, g_lat)
}

/// Inverts `forward` near the identity by fixed-point iteration.
fn invert(lon: f64, lat: f64, forward: impl Fn(f64, f64) -> (f64, f64)) -> (f64, f64) {
    let (mut x, mut y) = (lon, lat);
    for _ in 0..50 {
        let (fx, fy) = forward(x, y);
        let (dx, dy) = (fx - lon, fy - lat);
        x -= dx;
        y -= dy;
        if dx.abs() < 1e-12 && dy.abs() < 1e-12 {
            break;
        }
    }
    (x, y)
}

/// GCJ-02 → WGS84, by iterating the forward formula (better than 1e-10°, about 0.01 mm).
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    invert(lon, lat, wgs84_to_gcj02)
}

/// BD-09 → WGS84, by iterating the forward formulas.
pub fn bd09_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    invert(lon, lat, wgs84_to_bd09)
}

/// BD-09 → GCJ-02, by iterating the forward formula.
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    invert(lon, lat, gcj02_to_bd09)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Metres on the ground between two lon/lat points (small distances).
    fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
        let k = 111_320.0;
        let dx = (a.0 - b.0) * k * (a.1.to_radians()).cos();
        let dy = (a.1 - b.1) * 110_540.0;
        (dx * dx + dy * dy).sqrt()
    }

    #[test]
    fn round_trips_within_a_centimetre_over_china() {
        let mut worst_gcj: f64 = 0.0;
        let mut worst_bd: f64 = 0.0;
        let mut lat = 18.0;
        while lat <= 53.5 {
            let mut lon = 73.5;
            while lon <= 135.0 {
                let w = (lon, lat);
                let g = wgs84_to_gcj02(lon, lat);
                worst_gcj = worst_gcj.max(metres(gcj02_to_wgs84(g.0, g.1), w));
                let b = wgs84_to_bd09(lon, lat);
                worst_bd = worst_bd.max(metres(bd09_to_wgs84(b.0, b.1), w));
                lon += 0.37;
            }
            lat += 0.29;
        }
        assert!(worst_gcj < 0.01, "GCJ-02 round trip {worst_gcj} m");
        assert!(worst_bd < 0.01, "BD-09 round trip {worst_bd} m");
    }

    #[test]
    fn offset_size_is_tens_to_hundreds_of_metres() {
        // Shanghai, Beijing, Urumqi.
        for p in [(121.47, 31.23), (116.40, 39.90), (87.62, 43.83)] {
            let d = metres(wgs84_to_gcj02(p.0, p.1), p);
            assert!((50.0..800.0).contains(&d), "{p:?}: {d} m");
        }
        assert_eq!(wgs84_to_gcj02(2.35, 48.85), (2.35, 48.85)); // Paris: no offset
    }
}
