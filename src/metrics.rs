//! Per-mu arithmetic: sums of the enterprises on a parcel, and the intensities they give.
//! No files, no JSON, no CRS.

use geo::{Area, MultiPolygon};
use serde::Serialize;

use crate::parcel::Enterprise;
use crate::units::{m2_to_mu, per_mu};

/// Geodesic area of a lon/lat shape on the WGS84 ellipsoid (Karney's algorithm), in m².
///
/// Rings are oriented first (exterior counter-clockwise, holes clockwise), so a shape wound
/// either way gets the same, positive area; holes are subtracted, parts summed.
///
/// # Units
/// Coordinates in degrees (lon, lat); result in m².
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use land_efficiency::geodesic_area_m2;
/// // 0.01° × 0.01° at 114.30°E, 30.50°N; geographiclib 2.1 gives 1 064 199.237904 m².
/// let ring = polygon![(x: 114.30, y: 30.50), (x: 114.31, y: 30.50), (x: 114.31, y: 30.51), (x: 114.30, y: 30.51)];
/// let area = geodesic_area_m2(&MultiPolygon(vec![ring]));
/// assert!((area - 1_064_199.237904).abs() < 1e-4);
/// ```
pub fn geodesic_area_m2(shape: &MultiPolygon<f64>) -> f64 {
    let mut arena = crate::shapes::Shapes::new();
    arena.push(shape, true);
    arena.orient();
    geodesic_area_of(&arena.get(0))
}

/// Geodesic area of a shape in the arena, m², as [`geodesic_area_m2`] computes it (Karney's
/// algorithm on WGS84) but on the arena's slices, without building a geo shape. The rings must
/// be oriented (exterior counter-clockwise, holes clockwise), as the readers leave them.
pub fn geodesic_area_of(shape: &crate::shapes::ShapeRef<'_>) -> f64 {
    use geographiclib_rs::{Geodesic, PolygonArea, Winding};
    let g = Geodesic::wgs84();
    let ring_area = |ring: &[geo::Coord<f64>], winding| {
        let mut pa = PolygonArea::new(&g, winding);
        // The closing position repeats the first: PolygonArea closes the ring itself.
        let open = if ring.len() > 1 && ring[0] == ring[ring.len() - 1] {
            &ring[..ring.len() - 1]
        } else {
            ring
        };
        for c in open {
            pa.add_point(c.y, c.x);
        }
        pa.compute(false).1
    };
    shape
        .polygons()
        .map(|p| {
            let outer = ring_area(p.exterior(), Winding::CounterClockwise);
            let inner: f64 = p
                .interiors()
                .map(|h| ring_area(h, Winding::Clockwise).abs())
                .sum();
            if outer < 0.0 {
                outer + inner
            } else {
                outer - inner
            }
        })
        .sum()
}

/// Planar (shoelace) area of a shape in a projected CRS, in the square of its unit (m² for
/// metre-based CRSs). Holes are subtracted whatever their winding. Meaningless for lon/lat.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// let square = polygon![(x: 500_000.0, y: 3_300_000.0), (x: 500_100.0, y: 3_300_000.0),
///                       (x: 500_100.0, y: 3_300_100.0), (x: 500_000.0, y: 3_300_100.0)];
/// assert_eq!(land_efficiency::planar_area_m2(&MultiPolygon(vec![square])), 10_000.0);
/// ```
pub fn planar_area_m2(shape: &MultiPolygon<f64>) -> f64 {
    shape.unsigned_area()
}

/// Sums over the enterprises joined to one parcel (tenants of a standard factory are summed).
///
/// # Units
/// Money in 万元, floor area in m².
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ParcelSums {
    /// Number of enterprises joined.
    pub enterprise_count: usize,
    /// Tax, 万元.
    pub tax: f64,
    /// Investment, 万元.
    pub investment: f64,
    /// Output, 万元.
    pub output: f64,
    /// Sum of the enterprises' floor areas, m²; `None` when any of them has none.
    pub floor_area_m2: Option<f64>,
}

impl ParcelSums {
    /// Adds one enterprise.
    pub fn add(&mut self, e: &Enterprise) {
        self.add_figures(e.tax, e.investment, e.output, e.floor_area_m2);
    }

    /// Adds one enterprise's figures: money in 万元, floor area in m².
    pub fn add_figures(
        &mut self,
        tax: f64,
        investment: f64,
        output: f64,
        floor_area_m2: Option<f64>,
    ) {
        self.floor_area_m2 = if self.enterprise_count == 0 {
            floor_area_m2
        } else {
            match (self.floor_area_m2, floor_area_m2) {
                (Some(a), Some(b)) => Some(a + b),
                _ => None,
            }
        };
        self.enterprise_count += 1;
        self.tax += tax;
        self.investment += investment;
        self.output += output;
    }
}

/// A parcel's per-mu figures.
///
/// # Units
/// Intensities in 万元/亩, floor area in m², plot ratio dimensionless.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Intensities {
    /// Area, mu.
    pub area_mu: f64,
    /// Tax per mu (亩均税收), 万元/亩.
    pub tax_per_mu: f64,
    /// Investment per mu (投资强度), 万元/亩.
    pub investment_per_mu: f64,
    /// Output per mu (亩均产出), 万元/亩.
    pub output_per_mu: f64,
    /// The floor area used for the plot ratio, m²: the parcel's own if recorded, else the sum
    /// of its enterprises'; `None` when neither is known.
    pub floor_area_m2: Option<f64>,
    /// Plot ratio (容积率) = floor area / land area; `None` without a floor area.
    pub plot_ratio: Option<f64>,
    /// No enterprise, or zero output.
    pub idle: bool,
}

/// The per-mu figures of a parcel of `area_m2` with these sums.
///
/// `parcel_floor_area_m2` (recorded on the parcel) wins over the enterprises' sum.
///
/// ```
/// use land_efficiency::{intensities, ParcelSums};
/// // 100 m × 100 m = 15 mu; 300 万元 tax → 20 万元/亩; 15 000 m² of floors → plot ratio 1.5.
/// let sums = ParcelSums { enterprise_count: 1, tax: 300.0, investment: 3000.0, output: 4500.0, floor_area_m2: Some(15_000.0) };
/// let f = intensities(&sums, None, 10_000.0);
/// assert_eq!((f.area_mu, f.tax_per_mu, f.investment_per_mu, f.output_per_mu), (15.0, 20.0, 200.0, 300.0));
/// assert_eq!(f.plot_ratio, Some(1.5));
/// assert!(!f.idle);
/// ```
pub fn intensities(
    sums: &ParcelSums,
    parcel_floor_area_m2: Option<f64>,
    area_m2: f64,
) -> Intensities {
    let floor_area_m2 = parcel_floor_area_m2.or(if sums.enterprise_count > 0 {
        sums.floor_area_m2
    } else {
        None
    });
    Intensities {
        area_mu: m2_to_mu(area_m2),
        tax_per_mu: per_mu(sums.tax, area_m2),
        investment_per_mu: per_mu(sums.investment, area_m2),
        output_per_mu: per_mu(sums.output, area_m2),
        floor_area_m2,
        plot_ratio: floor_area_m2.map(|f| f / area_m2),
        idle: sums.enterprise_count == 0 || sums.output == 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ent(tax: f64, floor: Option<f64>) -> Enterprise {
        Enterprise {
            tax,
            investment: 10.0,
            output: 20.0,
            floor_area_m2: floor,
            ..Enterprise::default()
        }
    }

    #[test]
    fn arena_area_equals_geos() {
        use geo::{GeodesicArea, polygon};
        let p = polygon!(
            exterior: [(x: 114.30, y: 30.50), (x: 114.31, y: 30.50), (x: 114.31, y: 30.51), (x: 114.30, y: 30.51)],
            interiors: [[(x: 114.304, y: 30.504), (x: 114.304, y: 30.506), (x: 114.306, y: 30.506), (x: 114.306, y: 30.504)]],
        );
        let shape = MultiPolygon(vec![p]);
        let a = geodesic_area_m2(&shape);
        let b = shape.geodesic_area_unsigned();
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }

    #[test]
    fn two_tenants_are_summed() {
        let mut s = ParcelSums::default();
        s.add(&ent(100.0, Some(2000.0)));
        s.add(&ent(50.0, Some(1000.0)));
        assert_eq!(s.enterprise_count, 2);
        assert_eq!(s.tax, 150.0);
        assert_eq!(s.floor_area_m2, Some(3000.0));
        let f = intensities(&s, None, 10_000.0);
        assert_eq!(f.tax_per_mu, 10.0);
        assert_eq!(f.plot_ratio, Some(0.3));
    }

    #[test]
    fn a_tenant_without_floor_area_makes_the_sum_unknown() {
        let mut s = ParcelSums::default();
        s.add(&ent(1.0, Some(2000.0)));
        s.add(&ent(1.0, None));
        assert_eq!(s.floor_area_m2, None);
        assert_eq!(intensities(&s, None, 10_000.0).plot_ratio, None);
        assert_eq!(
            intensities(&s, Some(5000.0), 10_000.0).plot_ratio,
            Some(0.5)
        );
    }

    #[test]
    fn idle_parcels() {
        let none = intensities(&ParcelSums::default(), None, 10_000.0);
        assert!(none.idle);
        assert_eq!(none.tax_per_mu, 0.0);
        assert_eq!(none.plot_ratio, None);
        let mut zero_output = ParcelSums::default();
        zero_output.add(&Enterprise {
            output: 0.0,
            ..ent(5.0, None)
        });
        assert!(intensities(&zero_output, None, 10_000.0).idle);
    }

    #[test]
    fn scaling_money_scales_every_intensity() {
        let mut s = ParcelSums::default();
        s.add(&ent(7.0, None));
        let a = intensities(&s, None, 12_345.0);
        let k = 3.5;
        let scaled = ParcelSums {
            tax: s.tax * k,
            investment: s.investment * k,
            output: s.output * k,
            ..s
        };
        let b = intensities(&scaled, None, 12_345.0);
        assert!((b.tax_per_mu - k * a.tax_per_mu).abs() < 1e-12);
        assert!((b.output_per_mu - k * a.output_per_mu).abs() < 1e-12);
    }
}
