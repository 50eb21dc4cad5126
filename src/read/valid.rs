//! A quick proof that a shape is valid, taken before geo's `Validation`.
//!
//! geo's `Validation` tests every ring against itself edge pair by edge pair, and relates each
//! hole to its exterior and each part of a MultiPolygon to the others through its `relate`
//! graph. That graph is built for every parcel with a hole or a second part, and was the most
//! of the validation's cost. [`clearly_valid`] answers `true` only for shapes it can prove
//! valid with a few exact tests: each ring a simple closed curve, each hole strictly inside
//! its exterior and apart from the other holes, each part apart from the others. For any other
//! shape it answers `false` and the reader asks geo, so every problem is still found and
//! described in geo's words.
//!
//! The tests are geo's own exact predicates (`Line::intersects`, `coord_pos_relative_to_ring`,
//! both built on robust orientation tests) plus bounding-box rejections, which are exact in
//! floating point. A property test checks that geo accepts every shape this module accepts.

use geo::coordinate_position::{CoordPos, coord_pos_relative_to_ring};
use geo::{BoundingRect, Coord, CoordsIter, Intersects, Line, LineString, MultiPolygon, Polygon};

/// Above this many positions in a shape, the pairwise tests here could cost more than geo's
/// graph; such shapes go to geo.
const MAX_POSITIONS: usize = 256;

/// True when `shape` is surely valid in geo's `Validation` sense; false when it may not be.
pub(crate) fn clearly_valid(shape: &MultiPolygon<f64>) -> bool {
    if shape.coords_count() > MAX_POSITIONS {
        return false;
    }
    if !shape.0.iter().all(polygon_clearly_valid) {
        return false;
    }
    // Parts must not overlap nor share a line: proved by their being apart.
    for (i, a) in shape.0.iter().enumerate() {
        for b in &shape.0[i + 1..] {
            if !rings_apart(a.exterior(), b.exterior()) {
                return false;
            }
        }
    }
    true
}

fn polygon_clearly_valid(polygon: &Polygon<f64>) -> bool {
    let exterior = polygon.exterior();
    if !simple_ring(exterior) {
        return false;
    }
    for (i, hole) in polygon.interiors().iter().enumerate() {
        // Strictly inside the exterior: no shared point with its boundary, and one vertex
        // inside. A closed curve that never meets the exterior's boundary lies wholly on
        // one side of it.
        if !simple_ring(hole)
            || rings_meet(exterior, hole)
            || coord_pos_relative_to_ring(hole.0[0], exterior) != CoordPos::Inside
        {
            return false;
        }
        for other in &polygon.interiors()[..i] {
            if !rings_apart(hole, other) {
                return false;
            }
        }
    }
    true
}

/// A simple closed ring: at least three distinct corners, coordinates in the range where the
/// tests are exact ([`exact`]), closed, no zero-length
/// edge, no edge turning straight back on the one before, and no two edges that are not
/// neighbours meeting at all. geo reports none of its problems for such a ring (too few
/// points, self-intersection, non-finite coordinate).
fn simple_ring(ring: &LineString<f64>) -> bool {
    let c = &ring.0;
    if c.len() < 4 || c.first() != c.last() || !c.iter().all(|p| exact(p.x) && exact(p.y)) {
        return false;
    }
    let n = c.len() - 1; // edges
    for i in 0..n {
        // `c[n]` is `c[0]`: after the last edge comes the first, from c[0] to c[1].
        let next = if i + 2 <= n { c[i + 2] } else { c[1] };
        if c[i] == c[i + 1] || folds_back(c[i], c[i + 1], next) {
            return false;
        }
    }
    for i in 0..n {
        let e = Line::new(c[i], c[i + 1]);
        // Neighbours (i, i + 1) and, for the first edge, the last one share a corner.
        let last = if i == 0 { n - 1 } else { n };
        for j in i + 2..last {
            if meet(&e, &Line::new(c[j], c[j + 1])) {
                return false;
            }
        }
    }
    true
}

/// A coordinate for which the orientation tests are exact: finite, and zero or between 1e-100
/// and 1e100 in size, so that products of coordinate differences neither underflow nor
/// overflow (robust's `orient2d` is exact only then; a coordinate near 1e-162 can make geo
/// and this module see the same ring differently). Real coordinates are far inside.
fn exact(v: f64) -> bool {
    v == 0.0 || (1e-100..=1e100).contains(&v.abs())
}

/// Whether the corner `b` between edges a→b and b→c turns straight back (a spike) or may:
/// collinear corners are accepted only when the two edges clearly go the same way.
fn folds_back(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> bool {
    use geo::{Kernel, Orientation};
    if <f64 as geo::GeoNum>::Ker::orient2d(a, b, c) != Orientation::Collinear {
        return false;
    }
    // Each difference has the right sign; the sum is positive only when the two edges go
    // the same way (a product that underflows to zero only makes this answer "may").
    let along = (b.x - a.x) * (c.x - b.x) + (b.y - a.y) * (c.y - b.y);
    along.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
}

/// Two simple rings that share no point and neither of which encloses the other.
fn rings_apart(a: &LineString<f64>, b: &LineString<f64>) -> bool {
    if let (Some(ra), Some(rb)) = (a.bounding_rect(), b.bounding_rect())
        && !ra.intersects(&rb)
    {
        return true;
    }
    !rings_meet(a, b)
        && coord_pos_relative_to_ring(a.0[0], b) == CoordPos::Outside
        && coord_pos_relative_to_ring(b.0[0], a) == CoordPos::Outside
}

/// Whether any edge of `a` meets any edge of `b` (touching counts).
fn rings_meet(a: &LineString<f64>, b: &LineString<f64>) -> bool {
    a.lines().any(|e| b.lines().any(|f| meet(&e, &f)))
}

/// geo's exact segment test, after a bounding-box rejection (boxes apart: no common point).
fn meet(e: &Line<f64>, f: &Line<f64>) -> bool {
    e.bounding_rect().intersects(&f.bounding_rect()) && e.intersects(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Validation, polygon};
    use proptest::prelude::*;

    fn square(x: f64, y: f64, side: f64) -> LineString<f64> {
        LineString::from(vec![
            (x, y),
            (x + side, y),
            (x + side, y + side),
            (x, y + side),
            (x, y),
        ])
    }

    #[test]
    fn ordinary_parcels_take_the_quick_path() {
        let plain = MultiPolygon(vec![Polygon::new(square(0.0, 0.0, 10.0), vec![])]);
        let holed = MultiPolygon(vec![Polygon::new(
            square(0.0, 0.0, 10.0),
            vec![square(2.0, 2.0, 2.0), square(6.0, 6.0, 2.0)],
        )]);
        let parts = MultiPolygon(vec![
            Polygon::new(square(0.0, 0.0, 10.0), vec![]),
            Polygon::new(square(20.0, 0.0, 10.0), vec![]),
        ]);
        // Boxes overlap, shapes apart (an L and a square in its corner).
        let l_shape = LineString::from(vec![
            (0.0, 0.0),
            (10.0, 0.0),
            (10.0, 2.0),
            (2.0, 2.0),
            (2.0, 10.0),
            (0.0, 10.0),
            (0.0, 0.0),
        ]);
        let nested_boxes = MultiPolygon(vec![
            Polygon::new(l_shape, vec![]),
            Polygon::new(square(5.0, 5.0, 3.0), vec![]),
        ]);
        // A corner on a straight side.
        let collinear = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 5.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0),
            (x: 0.0, y: 10.0), (x: 0.0, y: 0.0)
        ]]);
        for shape in [plain, holed, parts, nested_boxes, collinear] {
            assert!(clearly_valid(&shape), "{shape:?}");
            assert!(shape.is_valid());
        }
    }

    #[test]
    fn doubtful_shapes_go_to_geo() {
        let bow_tie = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0), (x: 0.0, y: 10.0),
            (x: 0.0, y: 0.0)
        ]]);
        // Valid for geo (a hole touching the exterior at a point), not proved here.
        let touching_hole = MultiPolygon(vec![Polygon::new(
            square(0.0, 0.0, 10.0),
            vec![LineString::from(vec![
                (0.0, 5.0),
                (3.0, 3.0),
                (3.0, 7.0),
                (0.0, 5.0),
            ])],
        )]);
        let hole_outside = MultiPolygon(vec![Polygon::new(
            square(0.0, 0.0, 10.0),
            vec![square(20.0, 2.0, 2.0)],
        )]);
        let overlapping_parts = MultiPolygon(vec![
            Polygon::new(square(0.0, 0.0, 10.0), vec![]),
            Polygon::new(square(5.0, 5.0, 10.0), vec![]),
        ]);
        let spike = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 15.0, y: 0.0), (x: 10.0, y: 0.0),
            (x: 10.0, y: 10.0), (x: 0.0, y: 0.0)
        ]]);
        let repeated = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0),
            (x: 0.0, y: 0.0)
        ]]);
        for shape in [
            bow_tie,
            touching_hole,
            hole_outside,
            overlapping_parts,
            spike,
            repeated,
        ] {
            assert!(!clearly_valid(&shape), "{shape:?}");
        }
    }

    /// A self-crossing ring scaled near 1e-162: the orientation tests underflow, and a test
    /// of the edges in one order (with box rejection) and in both orders (geo) disagree.
    #[test]
    fn coordinates_where_orientation_underflows_go_to_geo() {
        let s = f64::from_bits((1023 - 545) << 52);
        let ring: Vec<(f64, f64)> = [(316, 294), (762, 593), (217, 355), (194, 741), (629, 594)]
            .iter()
            .chain(std::iter::once(&(316, 294)))
            .map(|&(x, y)| (f64::from(x) * s, f64::from(y) * s))
            .collect();
        let shape = MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![])]);
        assert!(!clearly_valid(&shape));
        assert!(!shape.is_valid());
        // Huge coordinates too.
        let huge = MultiPolygon(vec![Polygon::new(square(0.0, 0.0, 1e150), vec![])]);
        assert!(!clearly_valid(&huge));
    }

    /// A ring of up to 7 corners on a small integer grid, so that touching, crossing,
    /// collinear and repeated corners come up often.
    fn ring() -> impl Strategy<Value = LineString<f64>> {
        prop::collection::vec((0i8..8, 0i8..8), 3..8).prop_map(|pts| {
            let mut c: Vec<(f64, f64)> = pts.iter().map(|&(x, y)| (x.into(), y.into())).collect();
            c.push(c[0]);
            LineString::from(c)
        })
    }

    /// A random ring, or a small square: squares land inside, across, on and outside
    /// other rings.
    fn any_ring() -> impl Strategy<Value = LineString<f64>> {
        prop_oneof![
            ring(),
            (0i8..8, 0i8..8, 1i8..4).prop_map(|(x, y, s)| square(x.into(), y.into(), s.into())),
        ]
    }

    fn shape() -> impl Strategy<Value = MultiPolygon<f64>> {
        // Half the exteriors are the whole grid, so that holes often fall inside.
        let exterior = prop_oneof![any_ring(), Just(square(0.0, 0.0, 8.0))];
        let polygon = (exterior, prop::collection::vec(any_ring(), 0..3))
            .prop_map(|(exterior, holes)| Polygon::new(exterior, holes));
        // Now and then scaled to where orientation tests underflow or overflow.
        let scale = prop_oneof![
            8 => Just(1.0),
            1 => Just(f64::from_bits((1023 - 545) << 52)),
            1 => Just(f64::from_bits((1023 + 520) << 52)),
        ];
        (prop::collection::vec(polygon, 1..3), scale).prop_map(|(parts, k)| {
            let mut shape = MultiPolygon(parts);
            geo::MapCoordsInPlace::map_coords_in_place(&mut shape, |c| Coord {
                x: c.x * k,
                y: c.y * k,
            });
            shape
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        /// Whatever this module accepts, geo accepts.
        #[test]
        fn geo_accepts_what_is_clearly_valid(shape in shape()) {
            if clearly_valid(&shape) {
                prop_assert!(shape.is_valid(), "{:?}: {:?}", shape, shape.check_validation());
            }
        }
    }
}
