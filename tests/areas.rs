//! Areas against Karney's geographiclib (Python geographiclib 2.1, `Geodesic.WGS84.Polygon()`,
//! holes subtracted), computed with:
//!
//! ```text
//! p = Geodesic.WGS84.Polygon(); [p.AddPoint(lat, lon) for lon, lat in ring[:-1]]; abs(p.Compute(False, True)[2])
//! ```

use geo::{LineString, MultiPolygon, Polygon};
use land_efficiency::units::m2_to_mu;
use land_efficiency::{geodesic_area_m2, planar_area_m2};

fn ring(points: &[(f64, f64)]) -> LineString<f64> {
    LineString::from(points.to_vec())
}

fn square(x: f64, y: f64, s: f64) -> Vec<(f64, f64)> {
    vec![(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)]
}

fn hole() -> Vec<(f64, f64)> {
    // Clockwise, 0.002° × 0.002° inside the 114.30–114.31E, 30.50–30.51N square.
    vec![
        (114.304, 30.504),
        (114.304, 30.506),
        (114.306, 30.506),
        (114.306, 30.504),
        (114.304, 30.504),
    ]
}

fn close(a: f64, b: f64, tol_m2: f64) {
    assert!((a - b).abs() < tol_m2, "{a} vs {b}");
}

#[test]
fn square_with_and_without_a_hole() {
    let outer = ring(&square(114.30, 30.50, 0.01));
    let plain = MultiPolygon(vec![Polygon::new(outer.clone(), vec![])]);
    close(geodesic_area_m2(&plain), 1_064_199.237904, 1e-5);
    let holed = MultiPolygon(vec![Polygon::new(outer, vec![ring(&hole())])]);
    close(geodesic_area_m2(&holed), 1_021_631.268360, 1e-5);
}

#[test]
fn multipolygon_sums_its_parts() {
    let a = Polygon::new(ring(&square(114.30, 30.50, 0.01)), vec![ring(&hole())]);
    let b = Polygon::new(ring(&square(114.40, 30.60, 0.01)), vec![]);
    close(
        geodesic_area_m2(&MultiPolygon(vec![a, b])),
        2_084_756.376935,
        1e-5,
    );
}

#[test]
fn reversed_rings_give_the_same_positive_area() {
    // Shapefile-style winding: exterior clockwise, hole counter-clockwise.
    let mut outer = square(114.30, 30.50, 0.01);
    outer.reverse();
    let mut h = hole();
    h.reverse();
    let reversed = MultiPolygon(vec![Polygon::new(ring(&outer), vec![ring(&h)])]);
    close(geodesic_area_m2(&reversed), 1_021_631.268360, 1e-5);
    // Mixed: one part wound each way, in either order. Karney's value is the sum of the two
    // squares, 1_064_199.237904 + 1_063_125.108576 m² (geographiclib 2.1, as above); a
    // clockwise part measured as the rest of the ellipsoid would add ~5.1e14 m².
    let clockwise = Polygon::new(ring(&outer), vec![]);
    let counter = Polygon::new(ring(&square(114.40, 30.60, 0.01)), vec![]);
    for parts in [
        vec![clockwise.clone(), counter.clone()],
        vec![counter, clockwise],
    ] {
        close(
            geodesic_area_m2(&MultiPolygon(parts)),
            2_127_324.346_480,
            1e-5,
        );
    }
}

#[test]
fn province_and_region_scale_polygons() {
    let tri = MultiPolygon(vec![Polygon::new(
        ring(&[(100.0, 25.0), (110.0, 25.0), (105.0, 35.0), (100.0, 25.0)]),
        vec![],
    )]);
    let a = geodesic_area_m2(&tri);
    assert!((a - 556_370_574_636.629_9).abs() / a < 1e-12, "{a}");
    let cell = MultiPolygon(vec![Polygon::new(ring(&square(87.0, 43.0, 1.0)), vec![])]);
    let a = geodesic_area_m2(&cell);
    assert!((a - 8_985_387_394.837_158).abs() / a < 1e-12, "{a}");
}

#[test]
fn mu_conversion_is_exact() {
    let square = MultiPolygon(vec![Polygon::new(
        ring(&square(500_000.0, 3_300_000.0, 100.0)),
        vec![],
    )]);
    assert_eq!(m2_to_mu(planar_area_m2(&square)), 15.0);
    assert_eq!(m2_to_mu(10_000.0 / 15.0), 1.0);
}
