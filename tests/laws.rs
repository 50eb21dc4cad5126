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
