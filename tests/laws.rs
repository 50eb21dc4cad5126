//! Property tests (proptest) of the laws in STYLE.md.

mod common;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use land_efficiency::Config;
use land_efficiency::{ParcelSums, geodesic_area_m2, intensities};
use proptest::prelude::*;

/// A star-shaped (hence simple) ring around (lon, lat), `n` vertices at increasing angles,
/// radii 20–200 m, counter-clockwise and closed.
fn star(lon: f64, lat: f64, radii: &[f64]) -> Vec<Coord<f64>> {
    let n = radii.len();
    let mut ring: Vec<Coord<f64>> = radii
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            let dx = r * a.cos() / (111_320.0 * lat.to_radians().cos());
            let dy = r * a.sin() / 110_540.0;
            Coord {
                x: lon + dx,
                y: lat + dy,
            }
        })
        .collect();
    ring.push(ring[0]);
    ring
}

fn shape(ring: Vec<Coord<f64>>) -> MultiPolygon<f64> {
    MultiPolygon(vec![Polygon::new(LineString(ring), vec![])])
}

/// Holes for a star of outer radii `outer` around (lon, lat): one hole per entry of `spec`
/// (its radii as fractions of the room each hole has, and whether it is wound clockwise), each
/// itself a star, so any number of vertices and any shape. The star holds the disc of radius
/// min(outer)·cos(π/n) (each edge lies beyond the chord between the two rays' points at the
/// least radius), and the metres-to-degrees map is linear, so holes inside 0.9 of that disc,
/// apart from each other, are inside the ring and disjoint: one hole at the centre, or two or
/// three around it, turned by `turn`.
fn holes(
    lon: f64,
    lat: f64,
    outer: &[f64],
    spec: &[(Vec<f64>, bool)],
    turn: f64,
) -> Vec<Vec<Coord<f64>>> {
    use std::f64::consts::{PI, TAU};
    let n = outer.len() as f64;
    let room = 0.9 * outer.iter().copied().fold(f64::INFINITY, f64::min) * (PI / n).cos();
    let k = spec.len();
    spec.iter()
        .enumerate()
        .map(|(j, (fractions, clockwise))| {
            let (offset, reach) = if k == 1 {
                (0.0, room)
            } else {
                (room / 2.0, 0.9 * room / 2.0 * (PI / k as f64).sin())
            };
            let a = turn + TAU * j as f64 / k as f64;
            let (cx, cy) = (offset * a.cos(), offset * a.sin());
            let radii: Vec<f64> = fractions.iter().map(|f| f * reach).collect();
            let mut ring = star_at(lon, lat, cx, cy, &radii);
            if *clockwise {
                ring.reverse();
            }
            ring
        })
        .collect()
}

/// [`star`] centred `(cx, cy)` metres from (lon, lat), in the same metres-to-degrees map.
fn star_at(lon: f64, lat: f64, cx: f64, cy: f64, radii: &[f64]) -> Vec<Coord<f64>> {
    let (dx, dy) = (cx / (111_320.0 * lat.to_radians().cos()), cy / 110_540.0);
    star(lon, lat, radii)
        .into_iter()
        .map(|c| Coord {
            x: c.x + dx,
            y: c.y + dy,
        })
        .collect()
}

/// A ring turned to start at vertex `shift` (of its open form), reversed if `flip`.
fn rewound(ring: &[Coord<f64>], shift: usize, flip: bool) -> Vec<Coord<f64>> {
    let open = &ring[..ring.len() - 1];
    let k = shift % open.len();
    let mut out: Vec<Coord<f64>> = open[k..].iter().chain(&open[..k]).copied().collect();
    out.push(out[0]);
    if flip {
        out.reverse();
    }
    out
}

fn holed(outer: Vec<Coord<f64>>, inner: Vec<Vec<Coord<f64>>>) -> MultiPolygon<f64> {
    MultiPolygon(vec![Polygon::new(
        LineString(outer),
        inner.into_iter().map(LineString).collect(),
    )])
}

/// The area of the bundled projected zone's parcels, in file order, read from its own text.
fn zone_areas() -> &'static [(String, f64)] {
    static AREAS: std::sync::OnceLock<Vec<(String, f64)>> = std::sync::OnceLock::new();
    AREAS.get_or_init(|| {
        let text =
            std::fs::read_to_string(common::fixtures().join("zone/parcels_4549.geojson")).unwrap();
        let r = common::run(Config::default(), text, None, None);
        r.parcels()
            .map(|p| (p.parcel_id().to_string(), p.area_m2()))
            .collect()
    })
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn area_is_invariant_under_ring_rotation_and_orientation(
        lon in 73.0f64..135.0, lat in 18.0f64..53.0,
        radii in prop::collection::vec(20.0f64..200.0, 3..24),
        shift in 0usize..24,
    ) {
        let ring = star(lon, lat, &radii);
        let base = geodesic_area_m2(&shape(ring.clone()));
        prop_assert!(base > 0.0);
        // Rotate the starting vertex.
        let open = &ring[..ring.len() - 1];
        let k = shift % open.len();
        let mut rotated: Vec<Coord<f64>> = open[k..].iter().chain(&open[..k]).copied().collect();
        rotated.push(rotated[0]);
        prop_assert!(rel(geodesic_area_m2(&shape(rotated.clone())), base) < 1e-9);
        // Reverse the orientation (clockwise, as shapefiles write).
        rotated.reverse();
        prop_assert!(rel(geodesic_area_m2(&shape(rotated)), base) < 1e-9);
    }

    #[test]
    fn a_parcel_split_in_two_has_the_summed_area(
        lon in 73.0f64..135.0, lat in 18.0f64..53.0,
        radii in prop::collection::vec(20.0f64..200.0, 4..24),
        cut in 2usize..22,
    ) {
        // Cut a star-shaped ring along two rays from its centre, to vertices 0 and k: each
        // ray is the same geodesic edge of both halves, so their areas add up to the whole.
        let ring = star(lon, lat, &radii);
        let n = ring.len() - 1;
        let k = 1 + cut % (n - 1);
        let centre = Coord { x: lon, y: lat };
        let mut a: Vec<Coord<f64>> = vec![centre];
        a.extend_from_slice(&ring[..=k]);
        a.push(centre);
        let mut b: Vec<Coord<f64>> = vec![centre];
        b.extend_from_slice(&ring[k..=n]);
        b.push(centre);
        let whole = geodesic_area_m2(&shape(ring.clone()));
        let parts = geodesic_area_m2(&shape(a)) + geodesic_area_m2(&shape(b));
        prop_assert!(rel(parts, whole) < 1e-9, "{parts} vs {whole}");
    }

    #[test]
    fn holes_of_any_shape_and_number_are_subtracted_whatever_their_winding(
        lon in 73.0f64..135.0, lat in 18.0f64..53.0,
        radii in prop::collection::vec(20.0f64..200.0, 3..24),
        spec in prop::collection::vec(
            (prop::collection::vec(0.1f64..1.0, 3..16), any::<bool>()),
            1..4,
        ),
        turn in 0.0f64..std::f64::consts::TAU,
        shifts in prop::collection::vec((0usize..24, any::<bool>()), 4),
    ) {
        let outer = star(lon, lat, &radii);
        let inner = holes(lon, lat, &radii, &spec, turn);
        let whole = geodesic_area_m2(&shape(outer.clone()));
        let cut: f64 = inner.iter().map(|h| geodesic_area_m2(&shape(h.clone()))).sum();
        prop_assert!(cut > 0.0 && cut < whole, "{cut} of {whole}");
        let base = geodesic_area_m2(&holed(outer.clone(), inner.clone()));
        prop_assert!((base - (whole - cut)).abs() < 1e-9 * whole, "{base} vs {whole} - {cut}");
        // Every ring turned and wound either way, independently, and the holes in the
        // other order: the same area.
        let (s0, f0) = shifts[0];
        let mut turned: Vec<Vec<Coord<f64>>> = inner
            .iter()
            .zip(&shifts[1..])
            .map(|(h, &(s, f))| rewound(h, s, f))
            .collect();
        turned.reverse();
        let again = geodesic_area_m2(&holed(rewound(&outer, s0, f0), turned));
        prop_assert!((again - base).abs() < 1e-9 * whole, "{again} vs {base}");
        // The holes filled by parts of their own: the whole star again.
        let mut parts = holed(outer, inner.clone());
        parts.0.extend(inner.into_iter().map(|h| Polygon::new(LineString(h), vec![])));
        let filled = geodesic_area_m2(&parts);
        prop_assert!((filled - whole).abs() < 1e-9 * whole, "{filled} vs {whole}");
    }

    #[test]
    fn scaling_all_money_scales_every_intensity(
        tax in 0.0f64..1e6, investment in 0.0f64..1e7, output in 0.0f64..1e7,
        area in 100.0f64..1e6, k in 0.001f64..1000.0,
    ) {
        let sums = ParcelSums { enterprise_count: 1, tax, investment, output, floor_area_m2: None };
        let scaled = ParcelSums { tax: tax * k, investment: investment * k, output: output * k, ..sums };
        let (a, b) = (intensities(&sums, None, area), intensities(&scaled, None, area));
        for (x, y) in [(a.tax_per_mu, b.tax_per_mu), (a.investment_per_mu, b.investment_per_mu), (a.output_per_mu, b.output_per_mu)] {
            prop_assert!((y - k * x).abs() <= 1e-12 * (k * x).abs().max(1e-300));
        }
    }

    #[test]
    fn member_order_and_white_space_do_not_change_what_is_read(
        order in Just((0..6).collect::<Vec<usize>>()).prop_shuffle(),
        present in prop::collection::vec(any::<bool>(), 3),
        ws in prop::collection::vec("[ \t\n\r]{0,3}", 32),
        pretty in any::<bool>(),
    ) {
        // The same zone written with its top-level members in any order (type, features,
        // crs, and a bbox, a name and a foreign member each present or not), any JSON white
        // space (space, tab, LF, CR) between the tokens, and the features compact or
        // pretty-printed, reads to the same parcels, in the same order, with the same areas.
        let zone = std::fs::read_to_string(common::fixtures().join("zone/parcels_4549.geojson")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&zone).unwrap();
        let features = if pretty {
            serde_json::to_string_pretty(&v["features"]).unwrap()
        } else {
            serde_json::to_string(&v["features"]).unwrap()
        };
        let crs = serde_json::to_string(&v["crs"]).unwrap();
        let values = [
            ("type", "\"FeatureCollection\"".to_string()),
            ("features", features),
            ("crs", crs),
            ("bbox", "[558000,3463600,561310,3464620]".to_string()),
            ("name", "\"parcels: features, crs\"".to_string()),
            // A foreign member whose nested keys are named like the real ones.
            ("x-source", r#"{"features":[],"crs":{"type":"name"},"type":"Feature"}"#.to_string()),
        ];
        let mut w = ws.iter();
        let mut gap = || w.next().unwrap().as_str();
        let mut text = format!("{}{{", gap());
        let mut first = true;
        for &m in &order {
            if m >= 3 && !present[m - 3] {
                continue;
            }
            let (key, value) = &values[m];
            if !first {
                text.push_str(gap());
                text.push(',');
            }
            first = false;
            text.push_str(&format!("{}\"{key}\"{}:{}{value}", gap(), gap(), gap()));
        }
        text.push_str(&format!("{}}}{}", gap(), gap()));
        let r = common::run(Config::default(), text, None, None);
        prop_assert_eq!(r.summary.parcels.evaluated, 40);
        prop_assert_eq!(r.summary.crs.parcels.crs.as_str(), "EPSG:4549");
        prop_assert!((r.summary.total_area_mu - 1788.33).abs() < 1e-6);
        let read: Vec<(String, f64)> = r
            .parcels()
            .map(|p| (p.parcel_id().to_string(), p.area_m2()))
            .collect();
        prop_assert_eq!(read.as_slice(), zone_areas());
    }
}
