//! Validity in geo's `Validation` sense, without geo's quadratic cost.
//!
//! geo's `Validation` tests every ring against itself edge pair by edge pair, and relates each
//! hole to its exterior and to every other hole, and each part of a MultiPolygon to every other
//! part, through its `relate` graph: quadratic in the vertices of a ring (a park boundary of
//! 10^5 vertices took 106 s) and in the number of holes or parts. Two answers here, both geo's:
//!
//! - [`clearly_valid`] answers `true` only for small shapes it can prove valid with a few exact
//!   tests: each ring a simple closed curve, each hole strictly inside its exterior and apart
//!   from the other holes, each part apart from the others. Most parcels stop there.
//! - [`validation`] gives geo's own verdict, the same first problem `check_validation` reports,
//!   for a shape of any size: the edge pairs tried are those whose boxes meet (an R-tree of a
//!   ring's edges), the holes and parts related are those whose boxes meet, and a hole that
//!   meets no edge of its exterior is placed by one exact crossing-number test instead of
//!   `relate`. Whatever `relate` would be asked of rings that touch, it is asked.
//!
//! The tests are geo's own exact predicates (`Line::intersects`, `coord_pos_relative_to_ring`,
//! both built on robust orientation tests, and `relate`) plus bounding-box rejections, which
//! are exact in floating point for coordinates in the range [`exact`] admits; shapes with other
//! coordinates go to geo whole. Property tests check that geo accepts every shape
//! [`clearly_valid`] accepts, and that [`validation`] answers as geo does, problem for problem.

use geo::algorithm::validation::{
    GeometryIndex, InvalidMultiPolygon, InvalidPolygon, RingRole, Validation,
};
use geo::coordinate_position::{CoordPos, coord_pos_relative_to_ring};
use geo::dimensions::Dimensions;
use geo::{
    BoundingRect, Coord, CoordsIter, Intersects, Line, LineString, MultiPolygon, Polygon,
    PreparedGeometry, Rect, Relate,
};
use rstar::{AABB, RTree};

use crate::index::{Entry, entry};
use crate::shapes::orient;

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

/// Below this many positions a shape goes to geo's `Validation` whole: its pairs are few.
const GEO_POSITIONS: usize = MAX_POSITIONS;

/// Above this many edges a ring's edges go into an R-tree; below, every pair is tried.
const INDEXED_EDGES: usize = 32;

/// geo's `check_validation` of `shape`: the same verdict and the same first problem, in
/// O(n log n) for shapes whose rings neither touch nor have boxes that meet by the thousand.
pub(crate) fn validation(shape: &MultiPolygon<f64>) -> Result<(), InvalidMultiPolygon> {
    validation_with(shape, GEO_POSITIONS, INDEXED_EDGES)
}

/// [`validation`] with its two sizes given: shapes of at most `geo_positions` positions go to
/// geo, rings of more than `indexed_edges` edges get an R-tree (the tests set both to 0).
fn validation_with(
    shape: &MultiPolygon<f64>,
    geo_positions: usize,
    indexed_edges: usize,
) -> Result<(), InvalidMultiPolygon> {
    let positions = shape.coords_count();
    // Box rejections are exact only for coordinates `exact` admits; edge numbers are u32.
    if positions <= geo_positions
        || u32::try_from(positions).is_err()
        || !shape.coords_iter().all(|c| exact(c.x) && exact(c.y))
    {
        return shape.check_validation();
    }
    let parts = &shape.0;
    let boxes: Vec<Option<Rect<f64>>> = parts.iter().map(BoundingRect::bounding_rect).collect();
    let tree = (parts.len() > 1).then(|| boxes_tree(&boxes));
    for (i, polygon) in parts.iter().enumerate() {
        polygon_validation(polygon, indexed_edges)
            .map_err(|e| InvalidMultiPolygon::InvalidPolygon(GeometryIndex(i), e))?;
        // geo relates this part to every later one; parts whose boxes are apart are disjoint
        // for `relate` (it checks the boxes first), so neither overlap nor touch.
        for j in later_meeting(tree.as_ref(), boxes[i], i) {
            let im = polygon.relate(&parts[j]);
            if im.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                return Err(InvalidMultiPolygon::ElementsOverlaps(
                    GeometryIndex(i),
                    GeometryIndex(j),
                ));
            }
            if im.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                return Err(InvalidMultiPolygon::ElementsTouchOnALine(
                    GeometryIndex(i),
                    GeometryIndex(j),
                ));
            }
        }
    }
    Ok(())
}

/// An R-tree of the boxes (numbered by position; empty items left out).
fn boxes_tree(boxes: &[Option<Rect<f64>>]) -> RTree<Entry> {
    RTree::bulk_load(
        (boxes.iter().enumerate())
            .filter_map(|(i, b)| b.map(|r| entry(r, i as u32))) // fits: positions are u32
            .collect(),
    )
}

/// The items after `i` whose boxes meet `bounds`, ascending.
fn later_meeting(tree: Option<&RTree<Entry>>, bounds: Option<Rect<f64>>, i: usize) -> Vec<usize> {
    let (Some(tree), Some(r)) = (tree, bounds) else {
        return Vec::new();
    };
    let mut later: Vec<usize> = (tree.locate_in_envelope_intersecting(&aabb(r)))
        .map(|e| e.data as usize)
        .filter(|&j| j > i)
        .collect();
    later.sort_unstable();
    later
}

fn aabb(r: Rect<f64>) -> AABB<[f64; 2]> {
    AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
}

/// geo's checks of one polygon, in geo's order: for each ring too few points, a
/// self-intersection, a non-finite coordinate; then each hole against the exterior and the
/// later holes.
fn polygon_validation(polygon: &Polygon<f64>, indexed_edges: usize) -> Result<(), InvalidPolygon> {
    if polygon.exterior().0.is_empty() {
        return Ok(());
    }
    let rings: Vec<&LineString<f64>> = std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .collect();
    let mut scans: Vec<Option<Ring<'_>>> = Vec::with_capacity(rings.len());
    for (k, ring) in rings.iter().enumerate() {
        if ring.0.is_empty() {
            scans.push(None);
            continue;
        }
        let role = role(k);
        if distinct_in_a_row(&ring.0) < 4 {
            return Err(InvalidPolygon::TooFewPointsInRing(role));
        }
        let scan = Ring::scan(&ring.0, indexed_edges);
        if scan.crosses_itself {
            return Err(InvalidPolygon::SelfIntersection(role));
        }
        if let Some(at) = ring
            .0
            .iter()
            .position(|c| !(c.x.is_finite() && c.y.is_finite()))
        {
            return Err(InvalidPolygon::NonFiniteCoord(
                role,
                geo::algorithm::validation::CoordIndex(at),
            ));
        }
        scans.push(Some(scan));
    }
    if rings[1..].iter().all(|r| r.0.is_empty()) {
        return Ok(());
    }
    let Some(exterior) = scans[0].as_ref() else {
        return Ok(()); // not reached: the exterior is not empty, so it was scanned
    };
    let holes = &rings[1..];
    let boxes: Vec<Option<Rect<f64>>> = holes.iter().map(|r| r.bounding_rect()).collect();
    let tree = (holes.len() > 1).then(|| boxes_tree(&boxes));
    let exterior_polygon = Polygon::new(polygon.exterior().clone(), vec![]);
    let mut prepared_exterior: Option<PreparedGeometry<'_, _>> = None;
    for (k1, hole) in holes.iter().enumerate() {
        let Some(scan) = &scans[k1 + 1] else {
            continue;
        };
        let role1 = RingRole::Interior(k1);
        let hole_polygon = Polygon::new((*hole).clone(), vec![]);
        let prepared_hole = PreparedGeometry::from(&hole_polygon);
        // A hole apart from the exterior's boundary: within it exactly when one of its
        // vertices is, and no line shared; else geo's relate decides.
        let (contained, on_a_line) = match exterior.apart_from(scan) {
            true => (exterior.encloses(scan.coords[0]), false),
            false => {
                let prepared = prepared_exterior
                    .get_or_insert_with(|| PreparedGeometry::from(&exterior_polygon));
                let im = prepared.relate(&prepared_hole);
                let line = im.get(CoordPos::OnBoundary, CoordPos::OnBoundary);
                (im.is_contains(), line == Dimensions::OneDimensional)
            }
        };
        if !contained {
            return Err(InvalidPolygon::InteriorRingNotContainedInExteriorRing(
                role1,
            ));
        }
        if on_a_line {
            return Err(InvalidPolygon::IntersectingRingsOnALine(
                RingRole::Exterior,
                role1,
            ));
        }
        // Holes whose boxes are apart are disjoint for `relate`.
        for k2 in later_meeting(tree.as_ref(), boxes[k1], k1) {
            if holes[k2].0.is_empty() {
                continue;
            }
            let other = Polygon::new(holes[k2].clone(), vec![]);
            let im = prepared_hole.relate(&other);
            let role2 = RingRole::Interior(k2);
            if im.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                return Err(InvalidPolygon::IntersectingRingsOnAnArea(role1, role2));
            }
            if im.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                return Err(InvalidPolygon::IntersectingRingsOnALine(role1, role2));
            }
        }
    }
    Ok(())
}

fn role(k: usize) -> RingRole {
    match k {
        0 => RingRole::Exterior,
        hole => RingRole::Interior(hole - 1),
    }
}

/// How many positions are left when repeated ones in a row are taken out (geo's test for too
/// few points, without the copy).
fn distinct_in_a_row(c: &[Coord<f64>]) -> usize {
    c.len() - c.windows(2).filter(|w| w[0] == w[1]).count()
}

/// A ring that passed geo's self-intersection test, with its edges' R-tree when it is large.
struct Ring<'a> {
    coords: &'a [Coord<f64>],
    tree: Option<RTree<Entry>>,
    /// geo's self-intersection: two edges that meet other than where one ends and the
    /// other starts.
    crosses_itself: bool,
    /// A simple closed curve: no repeated corner, no edge folding back on the one before,
    /// and no two edges that are not neighbours meeting at all. Only such rings are placed
    /// without `relate`.
    simple: bool,
}

impl<'a> Ring<'a> {
    /// Tries the pairs of edges whose boxes meet, as geo's test tries every pair (the test is
    /// symmetric, so each unordered pair once; both argument orders, as geo tries both).
    fn scan(coords: &'a [Coord<f64>], indexed_edges: usize) -> Ring<'a> {
        let c = coords;
        let n = c.len() - 1; // edges, at least 3 (four distinct positions in a row)
        let tree = (n > indexed_edges).then(|| edge_tree(c));
        let mut simple = (0..n).all(|i| {
            let next = if i + 2 <= n { c[i + 2] } else { c[1] };
            c[i] != c[i + 1] && !folds_back(c[i], c[i + 1], next)
        });
        let mut crosses_itself = false;
        let mut pair = |i: usize, j: usize| -> bool {
            let (e, f) = (Line::new(c[i], c[i + 1]), Line::new(c[j], c[j + 1]));
            if !(e.intersects(&f) || f.intersects(&e)) {
                return false;
            }
            if e.start != f.end && e.end != f.start {
                crosses_itself = true;
                return true;
            }
            if j != i + 1 && !(i == 0 && j == n - 1) {
                simple = false;
            }
            false
        };
        'edges: for i in 0..n {
            match &tree {
                Some(tree) => {
                    let at = aabb(Line::new(c[i], c[i + 1]).bounding_rect());
                    for e in tree.locate_in_envelope_intersecting(&at) {
                        let j = e.data as usize;
                        if j > i && pair(i, j) {
                            break 'edges;
                        }
                    }
                }
                None => {
                    for j in i + 1..n {
                        if pair(i, j) {
                            break 'edges;
                        }
                    }
                }
            }
        }
        Ring {
            coords,
            tree,
            crosses_itself,
            simple,
        }
    }

    /// The edges that may meet the box `r`: those whose boxes meet it.
    fn edges_near(&self, r: Rect<f64>, mut each: impl FnMut(usize) -> bool) -> bool {
        match &self.tree {
            Some(tree) => {
                (tree.locate_in_envelope_intersecting(&aabb(r))).any(|e| each(e.data as usize))
            }
            None => (0..self.coords.len() - 1).any(each),
        }
    }

    fn edge(&self, i: usize) -> Line<f64> {
        Line::new(self.coords[i], self.coords[i + 1])
    }

    /// Both rings simple closed curves and no edge of one meeting an edge of the other.
    fn apart_from(&self, other: &Ring<'_>) -> bool {
        if !(self.simple && other.simple) {
            return false;
        }
        !(0..other.coords.len() - 1).any(|j| {
            let f = other.edge(j);
            self.edges_near(f.bounding_rect(), |i| {
                let e = self.edge(i);
                e.intersects(&f) || f.intersects(&e)
            })
        })
    }

    /// Whether `p`, which is on no edge, lies inside the ring: the edges crossing the ray from
    /// `p` eastward (half-open in y, exact orientation), counted.
    fn encloses(&self, p: Coord<f64>) -> bool {
        let east = self.coords.iter().fold(p.x, |m, c| m.max(c.x));
        let ray = Rect::new(p, Coord { x: east, y: p.y });
        let mut inside = false;
        self.edges_near(ray, |i| {
            let (a, b) = (self.coords[i], self.coords[i + 1]);
            if (a.y > p.y) != (b.y > p.y) && (b.y > a.y) == (orient(a, b, p) > 0.0) {
                inside = !inside;
            }
            false
        });
        inside
    }
}

/// An R-tree of a ring's edges, numbered from 0.
fn edge_tree(c: &[Coord<f64>]) -> RTree<Entry> {
    RTree::bulk_load(
        (c.windows(2).enumerate())
            .map(|(i, w)| entry(Line::new(w[0], w[1]).bounding_rect(), i as u32)) // fits: u32
            .collect(),
    )
}

/// Where a ring first meets itself other than at the ends two of its edges share: of the
/// ordered pairs of edges geo's `Validation` tries, the first in its order (by the first edge,
/// then the second), so the point is one of those it found. The pairs tried are those whose
/// boxes meet, through an R-tree for a large ring (the ring is one geo found crossing itself,
/// so its coordinates are finite; for others the box rejection is not relied on).
pub(crate) fn first_crossing(ring: &LineString<f64>) -> Option<Coord<f64>> {
    use geo::{LineIntersection, line_intersection::line_intersection};
    let c = &ring.0;
    let n = c.len().checked_sub(1)?;
    let indexed =
        n > INDEXED_EDGES && u32::try_from(n).is_ok() && c.iter().all(|p| exact(p.x) && exact(p.y));
    let tree = indexed.then(|| edge_tree(c));
    let crossing = |i: usize, j: usize| {
        let (a, b) = (Line::new(c[i], c[i + 1]), Line::new(c[j], c[j + 1]));
        i != j && a.intersects(&b) && a.start != b.end && a.end != b.start
    };
    for i in 0..n {
        let first = match &tree {
            Some(tree) => {
                let at = aabb(Line::new(c[i], c[i + 1]).bounding_rect());
                (tree.locate_in_envelope_intersecting(&at))
                    .map(|e| e.data as usize)
                    .filter(|&j| crossing(i, j))
                    .min()
            }
            None => (0..n).find(|&j| crossing(i, j)),
        };
        if let Some(j) = first {
            let (a, b) = (Line::new(c[i], c[i + 1]), Line::new(c[j], c[j + 1]));
            return match line_intersection(a, b)? {
                LineIntersection::SinglePoint { intersection, .. } => Some(intersection),
                LineIntersection::Collinear { intersection } => Some(intersection.start),
            };
        }
    }
    None
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

    /// [`shape`] at the scale of real coordinates (scaled ones go to geo whole, and geo's
    /// `relate` can panic on them: "topology position conflict").
    fn unscaled_shape() -> impl Strategy<Value = MultiPolygon<f64>> {
        shape().prop_filter("coordinates in the exact range", |s| {
            s.coords_iter().all(|c| exact(c.x) && exact(c.y))
        })
    }

    /// Shapes with more holes and parts than [`shape`], unscaled: holes and parts that touch,
    /// cross, nest and share edges in every combination.
    fn crowded_shape() -> impl Strategy<Value = MultiPolygon<f64>> {
        let exterior = prop_oneof![any_ring(), Just(square(0.0, 0.0, 8.0))];
        let polygon = (exterior, prop::collection::vec(any_ring(), 0..5))
            .prop_map(|(exterior, holes)| Polygon::new(exterior, holes));
        prop::collection::vec(polygon, 1..4).prop_map(MultiPolygon)
    }

    /// geo's first problem, and ours with every ring indexed and every shortcut taken, and
    /// with no ring indexed.
    fn verdicts(shape: &MultiPolygon<f64>) -> [Result<(), InvalidMultiPolygon>; 3] {
        [
            shape.check_validation(),
            validation_with(shape, 0, 0),
            validation_with(shape, 0, usize::MAX),
        ]
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

        /// The indexed validation reports what geo reports, problem for problem (so the same
        /// reason text), on every shape.
        #[test]
        fn validation_is_geo_s(shape in prop_oneof![unscaled_shape(), crowded_shape()]) {
            // In a debug build geo's `relate` asserts ("topology position conflict") on some
            // invalid shapes that a release build reports as invalid: such a shape tells
            // nothing about this module, whose release verdict the other cases check.
            let verdicts = std::panic::catch_unwind(|| verdicts(&shape));
            prop_assume!(verdicts.is_ok() || !cfg!(debug_assertions));
            let [geo_s, indexed, paired] = verdicts.expect("no panic in a release build");
            prop_assert_eq!(&indexed, &geo_s, "{:?}", shape);
            prop_assert_eq!(&paired, &geo_s, "{:?}", shape);
        }

        /// The crossing named for a ring that crosses itself is the one the pairs in geo's
        /// order give, with or without the R-tree.
        #[test]
        fn first_crossing_is_found_through_the_index_too(ring in ring()) {
            let brute = {
                use geo::{LineIntersection, line_intersection::line_intersection};
                let mut found = None;
                'all: for (i, a) in ring.lines().enumerate() {
                    for (j, b) in ring.lines().enumerate() {
                        if i != j && a.intersects(&b) && a.start != b.end && a.end != b.start {
                            found = line_intersection(a, b).map(|x| match x {
                                LineIntersection::SinglePoint { intersection, .. } => intersection,
                                LineIntersection::Collinear { intersection } => intersection.start,
                            });
                            break 'all;
                        }
                    }
                }
                found
            };
            // Repeated 20 times over, shifted, the ring has more than INDEXED_EDGES edges.
            prop_assert_eq!(first_crossing(&ring), brute);
            let mut long: Vec<Coord<f64>> = Vec::new();
            for k in 0..20 {
                long.extend(ring.0[..ring.0.len() - 1].iter().map(|c| Coord { x: c.x + f64::from(k) * 100.0, y: c.y }));
            }
            long.push(long[0]);
            let long = LineString::from(long);
            let brute_long = long.lines().enumerate().find_map(|(i, a)| {
                long.lines().enumerate().find(|&(j, b)| {
                    i != j && a.intersects(&b) && a.start != b.end && a.end != b.start
                }).map(|(_, b)| (a, b))
            });
            let expected = brute_long.and_then(|(a, b)| {
                use geo::{LineIntersection, line_intersection::line_intersection};
                line_intersection(a, b).map(|x| match x {
                    LineIntersection::SinglePoint { intersection, .. } => intersection,
                    LineIntersection::Collinear { intersection } => intersection.start,
                })
            });
            prop_assert!(long.0.len() - 1 > INDEXED_EDGES);
            prop_assert_eq!(first_crossing(&long), expected);
        }
    }

    /// A star-shaped ring of `n` vertices around (0, 0): simple, every ray from the centre
    /// meets it once.
    fn star(n: usize, radius: f64) -> LineString<f64> {
        let mut c: Vec<Coord<f64>> = (0..n)
            .map(|k| {
                let t = std::f64::consts::TAU * k as f64 / n as f64;
                let r = radius * (1.0 + 0.1 * (37.0 * t).sin());
                Coord {
                    x: r * t.cos(),
                    y: r * t.sin(),
                }
            })
            .collect();
        c.push(c[0]);
        LineString(c)
    }

    /// 2*10^4 vertices: past geo's size and through the R-tree; the verdicts geo gives, without
    /// asking geo (which takes seconds here).
    #[test]
    fn a_large_ring_is_checked_through_its_index() {
        let ring = star(20_000, 1000.0);
        let shape = MultiPolygon(vec![Polygon::new(ring.clone(), vec![])]);
        assert_eq!(validation(&shape), Ok(()));
        // One vertex pulled across the ring's far side: a self-intersection, and where.
        let mut crossed = ring.clone();
        crossed.0[5_000] = Coord { x: 0.0, y: -2000.0 };
        let shape = MultiPolygon(vec![Polygon::new(crossed.clone(), vec![])]);
        assert_eq!(
            validation(&shape),
            Err(InvalidMultiPolygon::InvalidPolygon(
                GeometryIndex(0),
                InvalidPolygon::SelfIntersection(RingRole::Exterior)
            ))
        );
        let at = first_crossing(&crossed).expect("a crossing");
        assert!(at.y < 0.0 && at.y > -2000.0, "{at:?}");
        // Holes near the middle and one outside, then one overlapping the first: geo's first
        // problem is the hole outside (hole 0 and hole 2 are related after hole 1).
        let inner = |x: f64| square(x, 0.0, 10.0);
        let shape = MultiPolygon(vec![Polygon::new(
            ring.clone(),
            vec![inner(0.0), inner(5000.0), inner(20.0), inner(25.0)],
        )]);
        assert_eq!(
            validation(&shape),
            Err(InvalidMultiPolygon::InvalidPolygon(
                GeometryIndex(0),
                InvalidPolygon::InteriorRingNotContainedInExteriorRing(RingRole::Interior(1))
            ))
        );
        // A second part overlapping the first.
        let shape = MultiPolygon(vec![
            Polygon::new(ring.clone(), vec![]),
            Polygon::new(square(500.0, 0.0, 1000.0), vec![]),
        ]);
        assert_eq!(
            validation(&shape),
            Err(InvalidMultiPolygon::ElementsOverlaps(
                GeometryIndex(0),
                GeometryIndex(1)
            ))
        );
    }

    /// 2,500 holes in a grid: valid; one more hole nested in hole 1000 is geo's area problem
    /// between the two, and geo's verdict on the same shape with fewer holes is the same.
    #[test]
    fn many_holes_are_related_only_to_their_neighbours() {
        let holes = |n: usize| -> Vec<LineString<f64>> {
            (0..n)
                .map(|k| {
                    square(
                        (k % 50) as f64 * 10.0 + 3.0,
                        (k / 50) as f64 * 10.0 + 3.0,
                        4.0,
                    )
                })
                .collect()
        };
        let exterior = square(0.0, 0.0, 500.0);
        let shape = MultiPolygon(vec![Polygon::new(exterior.clone(), holes(2500))]);
        assert_eq!(validation(&shape), Ok(()));
        let mut nested = holes(2500);
        nested.push(square(1000.0 % 50.0 * 10.0 + 4.0, 20.0 * 10.0 + 4.0, 2.0));
        let shape = MultiPolygon(vec![Polygon::new(exterior.clone(), nested)]);
        let expected = Err(InvalidMultiPolygon::InvalidPolygon(
            GeometryIndex(0),
            InvalidPolygon::IntersectingRingsOnAnArea(
                RingRole::Interior(1000),
                RingRole::Interior(2500),
            ),
        ));
        assert_eq!(validation(&shape), expected);
        // A hole touching the exterior at a corner goes to geo's relate, and is valid.
        let mut touching = holes(2500);
        touching.push(LineString::from(vec![
            (0.0, 250.0),
            (2.0, 249.0),
            (2.0, 251.0),
            (0.0, 250.0),
        ]));
        let shape = MultiPolygon(vec![Polygon::new(exterior, touching)]);
        assert_eq!(validation(&shape), Ok(()));
    }
}
