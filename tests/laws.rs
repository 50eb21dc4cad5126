//! Property tests (proptest) of the laws in STYLE.md.

mod common;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use land_efficiency::metrics::{ParcelSums, geodesic_area_m2, intensities};
use land_efficiency::rules::{Figures, LowEfficiencyConfig, ParcelFacts, classify};
use land_efficiency::store::{EdgeBands, Shapes};
use land_efficiency::{Commitments, Config};
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
    fn raising_every_figure_never_adds_a_reason(
        inv in 0.0f64..500.0, tax in 0.0f64..50.0, out in 0.0f64..800.0, pr in 0.0f64..3.0,
        bump in 0.0f64..100.0,
    ) {
        let t = LowEfficiencyConfig::default().thresholds_for(&ParcelFacts::default());
        let c = Commitments { investment_per_mu: Some(300.0), tax_per_mu: Some(20.0), output_per_mu: None, plot_ratio: Some(1.5) };
        let f = Figures { idle: false, investment_per_mu: inv, tax_per_mu: tax, output_per_mu: out, plot_ratio: Some(pr) };
        let g = Figures { idle: false, investment_per_mu: inv + bump, tax_per_mu: tax + bump, output_per_mu: out + bump, plot_ratio: Some(pr + bump) };
        let (rf, rg) = (classify(&f, &c, &t), classify(&g, &c, &t));
        prop_assert!(rg.iter().all(|r| rf.contains(r)), "{rf:?} → {rg:?}");
    }

    #[test]
    fn member_order_and_white_space_do_not_change_what_is_read(
        crs_first in any::<bool>(), bbox_last in any::<bool>(), pad in 0usize..4,
    ) {
        // The same zone written with the crs member before or after features, a bbox, and
        // extra white space, reads to the same parcels.
        let zone = std::fs::read_to_string(common::fixtures().join("zone/parcels_4549.geojson")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&zone).unwrap();
        let ws = " \n\t".repeat(pad);
        let features = serde_json::to_string(&v["features"]).unwrap();
        let crs = serde_json::to_string(&v["crs"]).unwrap();
        let bbox = "[558000,3463600,561310,3464620]";
        let mut members = vec![
            format!("\"type\"{ws}:{ws}\"FeatureCollection\""),
            format!("\"features\":{ws}{features}"),
        ];
        let crs_member = format!("\"crs\":{crs}");
        if crs_first { members.insert(0, crs_member) } else { members.push(crs_member) }
        let bbox_member = format!("\"bbox\":{bbox}");
        if bbox_last { members.push(bbox_member) } else { members.insert(0, bbox_member) }
        let text = format!("{ws}{{{ws}{}{ws}}}{ws}", members.join(&format!(",{ws}")));
        let r = common::run(Config::default(), text, None, None);
        prop_assert_eq!(r.summary.parcels.evaluated, 40);
        prop_assert_eq!(r.summary.crs.parcels.crs.as_str(), "EPSG:4549");
        prop_assert!((r.summary.total_area_mu - 1788.33).abs() < 1e-6);
    }
}

/// A ring on a coarse grid (so that vertices often lie at the height of the box's middle, and
/// edges are often horizontal or vertical), star-shaped around (cx, cy) and so simple: `radii`
/// in grid steps at evenly spaced angles, counter-clockwise (clockwise with `hole`), closed.
fn grid_star(cx: f64, cy: f64, radii: &[u8], hole: bool) -> LineString<f64> {
    let n = radii.len();
    let mut ring: Vec<Coord<f64>> = radii
        .iter()
        .enumerate()
        .map(|(i, &r)| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            Coord {
                x: cx + (f64::from(r) * a.cos()).round() / 8.0,
                y: cy + (f64::from(r) * a.sin()).round() / 8.0,
            }
        })
        .collect();
    ring.dedup();
    if hole {
        ring.reverse();
    }
    ring.push(ring[0]);
    LineString(ring)
}

/// One or two polygons, each star-shaped with an optional hole, the second far from the first.
fn grid_shape(parts: &[(Vec<u8>, bool)]) -> MultiPolygon<f64> {
    MultiPolygon(
        parts
            .iter()
            .enumerate()
            .map(|(k, (radii, hole))| {
                let cx = 100.0 * k as f64;
                let outer = radii.iter().map(|&r| r.max(40)).collect::<Vec<u8>>();
                let holes = if *hole {
                    vec![grid_star(cx, 0.0, &[12, 12, 12, 12, 12, 12], true)]
                } else {
                    vec![]
                };
                Polygon::new(grid_star(cx, 0.0, &outer, false), holes)
            })
            .collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// SPEC 3.3 puts a parcel in the park holding geo's `InteriorPoint`; the crate computes that
    /// point on its own arena (`ShapeRef::interior_point`), and must land on the very same one.
    #[test]
    fn the_arena_interior_point_is_geo_s_to_the_bit(
        parts in prop::collection::vec(
            (prop::collection::vec(40u8..120, 3..40), any::<bool>()), 1..3),
    ) {
        use geo::InteriorPoint;
        let shape = grid_shape(&parts);
        let mut arena = Shapes::new();
        arena.push(&shape, true);
        let ours = arena.get(0).interior_point();
        let geo_s = shape.interior_point().map(|p| p.0);
        prop_assert_eq!(
            ours.map(|c| (c.x.to_bits(), c.y.to_bits())),
            geo_s.map(|c| (c.x.to_bits(), c.y.to_bits())),
            "{:?} vs geo {:?}", ours, geo_s
        );
    }

    /// Edge bands answer point queries as the test over every edge does, for points on
    /// vertices, on edges, on the grid, and at the bands' top and bottom.
    #[test]
    fn edge_bands_answer_as_every_edge_does(
        parts in prop::collection::vec(
            (prop::collection::vec(40u8..120, 3..200), any::<bool>()), 1..3),
        probes in prop::collection::vec((-20i32..120 * 8 + 20, -130i32..130), 50),
    ) {
        let shape = grid_shape(&parts);
        let mut arena = Shapes::new();
        arena.push(&shape, true);
        let s = arena.get(0);
        let bands = EdgeBands::new(&s).expect("few rings");
        let ring_points = shape.iter().flat_map(|p| {
            std::iter::once(p.exterior()).chain(p.interiors()).flat_map(|r| {
                r.0.windows(2).flat_map(|w| {
                    [w[0], Coord { x: (w[0].x + w[1].x) / 2.0, y: (w[0].y + w[1].y) / 2.0 }]
                })
            })
        });
        let grid = probes.iter().map(|&(x, y)| Coord { x: f64::from(x) / 8.0, y: f64::from(y) / 8.0 });
        for p in ring_points.chain(grid) {
            prop_assert_eq!(bands.position(&s, p), s.position(p), "at {:?}", p);
        }
    }
}
