//! `ParcelIndex`: an R-tree of bounding boxes, refined by exact predicates.
//!
//! Built once by bulk loading (O(n log n)); a point query visits only the boxes that contain
//! the point, then tests each candidate shape exactly (robust orientation predicates). Parks
//! use the same index.

use geo::{BooleanOps, Coord, GeodesicArea};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::shapes::{EdgeBands, Near, Position, ShapeRef, Shapes, orient};

/// A box and the row it bounds: the R-tree entry of this index, and of the edge search in
/// [`crate::topology`] (one type, so rstar's code is built once).
pub(crate) type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// The entry for box `r` of row `row`.
pub(crate) fn entry(r: geo::Rect<f64>, row: u32) -> Entry {
    GeomWithData::new(
        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
        row,
    )
}

/// What a point query found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hit {
    /// In no shape.
    None,
    /// In exactly one shape (its row).
    One(usize),
    /// In several shapes (overlapping parcels, or on a boundary they share, within
    /// [`ON_BOUNDARY_M`](crate::ON_BOUNDARY_M)), in row order.
    Many(Vec<usize>),
}

/// At least this many shapes of the very same geometry are a stack, listed by
/// [`ParcelIndex::overlaps`] one row per copy rather than as every pair.
pub const STACK_MIN: usize = 3;

/// Two shapes whose interiors overlap, or a copy in a stack of shapes of the very same
/// geometry (see [`ParcelIndex::overlaps`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overlapping {
    /// The earlier shape's row (a stack's first).
    pub a: usize,
    /// The later shape's row.
    pub b: usize,
    /// Geodesic area of the overlap, m² (a stack's: the whole shape's).
    pub area_m2: f64,
    /// For a copy in a stack: how many shapes the stack holds; `None` for a pair.
    pub stack: Option<usize>,
}

/// An R-tree over the shapes of a [`Shapes`] arena, for point-in-polygon queries and overlap
/// search.
///
/// ```
/// use geo::{coord, polygon, MultiPolygon};
/// use land_efficiency::{Hit, ParcelIndex};
/// use land_efficiency::Shapes;
/// let mut shapes = Shapes::new();
/// shapes.push(&MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)]]), false);
/// shapes.push(&MultiPolygon(vec![polygon![(x: 2.0, y: 0.0), (x: 3.0, y: 0.0), (x: 3.0, y: 1.0), (x: 2.0, y: 1.0)]]), false);
/// let index = ParcelIndex::new(&shapes);
/// assert_eq!(index.locate(coord! { x: 2.5, y: 0.5 }), Hit::One(1));
/// assert_eq!(index.locate(coord! { x: 1.5, y: 0.5 }), Hit::None);
/// ```
pub struct ParcelIndex<'a> {
    shapes: &'a Shapes,
    tree: RTree<Entry>,
    /// Edge bands of the shapes with many edges (parks, detailed parcels), and which shape has
    /// which (`NO_BANDS` for none; empty when no shape has any).
    bands: Vec<EdgeBands>,
    band_of: Vec<u32>,
}

/// Shapes with at least this many edges get [`EdgeBands`]: below it, testing every edge is as
/// quick as finding the band.
const BANDED_EDGES: usize = 32;
const NO_BANDS: u32 = u32::MAX;

impl<'a> ParcelIndex<'a> {
    /// Bulk-loads the bounding boxes of every shape; rows are the ids queries return.
    pub fn new(shapes: &'a Shapes) -> Self {
        // On this thread (the tree lives in its heap), before the banded shapes are
        // sought in parallel.
        let entries: Vec<Entry> = (0..shapes.len())
            .filter_map(|i| shapes.get(i).bounding_rect().map(|r| entry(r, i as u32)))
            .collect();
        let tree = RTree::bulk_load(entries);
        let banded: Vec<(usize, EdgeBands)> = (0..shapes.len())
            .into_par_iter()
            .filter_map(|i| {
                let shape = shapes.get(i);
                if shape.edge_count() < BANDED_EDGES {
                    return None;
                }
                EdgeBands::new(&shape).map(|b| (i, b))
            })
            .collect();
        let mut band_of = Vec::new();
        if !banded.is_empty() {
            band_of = vec![NO_BANDS; shapes.len()];
        }
        let bands = banded
            .into_iter()
            .enumerate()
            .map(|(k, (i, b))| {
                band_of[i] = k as u32;
                b
            })
            .collect();
        ParcelIndex {
            shapes,
            tree,
            bands,
            band_of,
        }
    }

    /// Where `point` lies relative to shape `i`.
    fn position(&self, i: usize, point: Coord<f64>) -> Position {
        let shape = self.shapes.get(i);
        match self.band_of.get(i) {
            Some(&b) if b != NO_BANDS => self.bands[b as usize].position(&shape, point),
            _ => shape.position(point),
        }
    }

    /// True when the boundary of shape `i` passes within [`ON_BOUNDARY_M`](crate::ON_BOUNDARY_M) of the point.
    fn is_near_boundary(&self, i: usize, near: &Near) -> bool {
        let shape = self.shapes.get(i);
        match self.band_of.get(i) {
            Some(&b) if b != NO_BANDS => self.bands[b as usize].is_near_boundary(&shape, near),
            _ => shape.is_near_boundary(near),
        }
    }

    /// Number of indexed shapes.
    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// The shapes containing `point`, lon/lat, boundary included: a point within
    /// [`ON_BOUNDARY_M`](crate::ON_BOUNDARY_M) (5 mm on the ground) of a shape's boundary is on it. A point on the
    /// edge two shapes share is so in both, whether it and the edge came in lon/lat or in a
    /// plane reprojected to lon/lat, which leaves them a few nanometres off one line.
    pub fn locate(&self, point: Coord<f64>) -> Hit {
        let mut hit = Hit::None;
        let near = Near::new(point);
        let (min, max) = near.bounds();
        let env = AABB::from_corners([min.x, min.y], [max.x, max.y]);
        for entry in self.tree.locate_in_envelope_intersecting(&env) {
            let i = entry.data as usize;
            if self.position(i, point) != Position::Outside || self.is_near_boundary(i, &near) {
                hit = match hit {
                    Hit::None => Hit::One(i),
                    Hit::One(j) => Hit::Many(vec![j, i]),
                    Hit::Many(mut v) => {
                        v.push(i);
                        Hit::Many(v)
                    }
                };
            }
        }
        if let Hit::Many(v) = &mut hit {
            v.sort_unstable();
        }
        hit
    }

    /// Pairs of shapes whose interiors overlap, with the geodesic area of the overlap in m²
    /// (shapes in lon/lat), ordered by their rows. Pairs that only touch along an edge or at a
    /// point are not listed.
    ///
    /// Shapes of the very same geometry (the same rings, vertex for vertex), [`STACK_MIN`] or
    /// more of them, are a stack: they are listed as one row per copy against the first
    /// (`stack` holding how many there are), not as every pair, and only the first is sought
    /// among the other shapes (what it overlaps, every copy overlaps). The work is bounded the
    /// same way: a stack of k shapes costs k rows and one area, not k² tests.
    ///
    /// ```
    /// use geo::{polygon, MultiPolygon};
    /// use land_efficiency::{ParcelIndex, Shapes};
    /// let mut shapes = Shapes::new();
    /// let square = MultiPolygon(vec![polygon![(x: 120.0, y: 30.0), (x: 120.001, y: 30.0),
    ///     (x: 120.001, y: 30.001), (x: 120.0, y: 30.001)]]);
    /// for _ in 0..4 {
    ///     shapes.push(&square, false);
    /// }
    /// let rows = ParcelIndex::new(&shapes).overlaps();
    /// // Four copies: three rows against the first, not six pairs.
    /// let pairs: Vec<(usize, usize, Option<usize>)> = rows.iter().map(|o| (o.a, o.b, o.stack)).collect();
    /// assert_eq!(pairs, vec![(0, 1, Some(4)), (0, 2, Some(4)), (0, 3, Some(4))]);
    /// ```
    ///
    /// # Units
    /// Overlap area in m².
    pub fn overlaps(&self) -> Vec<Overlapping> {
        let stacks = self.stacks();
        let mut out: Vec<Overlapping> = Vec::new();
        let mut copy = vec![false; if stacks.is_empty() { 0 } else { self.len() }];
        for stack in &stacks {
            let first = stack[0];
            let area = self
                .shapes
                .get(first)
                .to_multipolygon()
                .geodesic_area_unsigned();
            for &b in &stack[1..] {
                copy[b] = true;
                out.push(Overlapping {
                    a: first,
                    b,
                    area_m2: area,
                    stack: Some(stack.len()),
                });
            }
        }
        // The copies out of the search: a tree of the others.
        let others;
        let tree = if stacks.is_empty() {
            &self.tree
        } else {
            others = RTree::bulk_load(
                (self.tree.iter())
                    .filter(|e| !copy[e.data as usize])
                    .cloned()
                    .collect(),
            );
            &others
        };
        for (a, b) in tree.intersection_candidates_with_other_tree(tree) {
            let (i, j) = (a.data as usize, b.data as usize);
            if i >= j {
                continue;
            }
            let (si, sj) = (self.shapes.get(i), self.shapes.get(j));
            if !interiors_overlap(&si, &sj) {
                continue;
            }
            let area = si
                .to_multipolygon()
                .intersection(&sj.to_multipolygon())
                .geodesic_area_unsigned();
            if area > 0.0 {
                out.push(Overlapping {
                    a: i,
                    b: j,
                    area_m2: area,
                    stack: None,
                });
            }
        }
        out.sort_by_key(|o| (o.a, o.b));
        out
    }

    /// The stacks: rows of [`STACK_MIN`] or more shapes of the very same geometry, each
    /// ascending, found among shapes with the very same box (one sort of the boxes).
    fn stacks(&self) -> Vec<Vec<usize>> {
        let mut boxes: Vec<([u64; 4], u32)> = (self.tree.iter())
            .map(|e| {
                let (lo, hi) = (e.geom().lower(), e.geom().upper());
                // + 0.0: -0.0 and 0.0 are one number
                let bits = [lo[0], lo[1], hi[0], hi[1]].map(|v| (v + 0.0).to_bits());
                (bits, e.data)
            })
            .collect();
        boxes.par_sort_unstable();
        let mut stacks = Vec::new();
        for run in boxes.chunk_by(|x, y| x.0 == y.0) {
            if run.len() < STACK_MIN {
                continue;
            }
            // Shapes of one box, sorted into geometries (nearly always one).
            let mut kinds: Vec<Vec<usize>> = Vec::new();
            for &(_, row) in run {
                let shape = self.shapes.get(row as usize);
                match (kinds.iter_mut()).find(|k| same_geometry(&self.shapes.get(k[0]), &shape)) {
                    Some(kind) => kind.push(row as usize),
                    None => kinds.push(vec![row as usize]),
                }
            }
            stacks.extend(kinds.into_iter().filter(|k| k.len() >= STACK_MIN));
        }
        for stack in &mut stacks {
            stack.sort_unstable();
        }
        stacks
    }

    /// Rows of shapes whose bounding boxes intersect the box from `min` to `max`.
    pub fn candidates(&self, min: Coord<f64>, max: Coord<f64>) -> Vec<usize> {
        let env = AABB::from_corners([min.x, min.y], [max.x, max.y]);
        let mut v: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data as usize)
            .collect();
        v.sort_unstable();
        v
    }
}

/// The same rings, vertex for vertex, in the same order.
fn same_geometry(a: &ShapeRef<'_>, b: &ShapeRef<'_>) -> bool {
    a.polygons().len() == b.polygons().len()
        && a.polygons().zip(b.polygons()).all(|(p, q)| {
            p.rings().count() == q.rings().count() && p.rings().zip(q.rings()).all(|(r, s)| r == s)
        })
}

/// A cheap test that two shapes share interior: a vertex (or edge midpoint) of one strictly
/// inside the other; two edges crossing properly; or, along an edge the two share, a point just
/// inside one (to the left of its oriented rings) that is inside the other too, which catches
/// duplicates. Neighbouring parcels that only touch pass through it without the cost of a
/// boolean operation.
fn interiors_overlap<'a>(a: &ShapeRef<'a>, b: &ShapeRef<'a>) -> bool {
    let rings = |s: &ShapeRef<'a>| -> Vec<&'a [Coord<f64>]> { s.rings().collect() };
    let (ra, rb) = (rings(a), rings(b));
    let mid = |w: &[Coord<f64>]| Coord {
        x: (w[0].x + w[1].x) / 2.0,
        y: (w[0].y + w[1].y) / 2.0,
    };
    let inside = |s: &ShapeRef<'_>, rings: &[&[Coord<f64>]]| {
        rings
            .iter()
            .flat_map(|r| r.iter())
            .any(|c| s.position(*c) == Position::Inside)
            || rings
                .iter()
                .any(|r| r.windows(2).any(|w| s.position(mid(w)) == Position::Inside))
    };
    if inside(b, &ra) || inside(a, &rb) {
        return true;
    }
    // Along shared edges: a point just to the left of an edge of `a` (inside `a`, rings being
    // oriented) that is also inside `b`.
    for r in &ra {
        for w in r.windows(2) {
            let m = mid(w);
            if b.position(m) != Position::Boundary {
                continue;
            }
            let (dx, dy) = (w[1].x - w[0].x, w[1].y - w[0].y);
            let probe = Coord {
                x: m.x - dy * 1e-6,
                y: m.y + dx * 1e-6,
            };
            if a.position(probe) == Position::Inside && b.position(probe) == Position::Inside {
                return true;
            }
        }
    }
    for r in &ra {
        for e in r.windows(2) {
            for s in &rb {
                for f in s.windows(2) {
                    let (d1, d2) = (orient(e[0], e[1], f[0]), orient(e[0], e[1], f[1]));
                    let (d3, d4) = (orient(f[0], f[1], e[0]), orient(f[0], f[1], e[1]));
                    if d1 * d2 < 0.0 && d3 * d4 < 0.0 {
                        return true;
                    }
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, MultiPolygon, Polygon, coord, polygon};

    fn square(x: f64, y: f64, s: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x, y: y), (x: x + s, y: y), (x: x + s, y: y + s), (x: x, y: y + s)],
        ])
    }

    fn arena(shapes: &[MultiPolygon<f64>]) -> Shapes {
        let mut a = Shapes::new();
        for s in shapes {
            a.push(s, false);
        }
        a
    }

    #[test]
    fn boundary_points_of_two_parcels_are_ambiguous() {
        let a = arena(&[square(0.0, 0.0, 1.0), square(1.0, 0.0, 1.0)]);
        let idx = ParcelIndex::new(&a);
        assert_eq!(idx.locate(coord! { x: 1.0, y: 0.5 }), Hit::Many(vec![0, 1]));
        assert_eq!(idx.locate(coord! { x: 0.5, y: 0.5 }), Hit::One(0));
    }

    /// Within 5 mm on the ground of a shared edge is on it, in both shapes; 6 mm off is in one.
    /// Around 30°N a degree of longitude is 96 km, of latitude 111 km. The same for a shape
    /// whose edges are found by bands (64 edges along the shared side).
    #[test]
    fn a_point_within_5_mm_of_a_shared_edge_is_on_it() {
        let d = 0.001;
        let m_per_lon = 111_195.0 * 30f64.to_radians().cos();
        let east = |mm: f64| 120.0 + d + mm / 1000.0 / m_per_lon;
        let north = |mm: f64| 30.0 + d + mm / 1000.0 / 111_195.0;
        // The second square's west side in 64 pieces: it gets edge bands.
        let mut west: Vec<Coord<f64>> = (0..=64)
            .map(|k| coord! { x: 120.0 + d, y: 30.0 + d * f64::from(64 - k) / 64.0 })
            .collect();
        west.extend([
            coord! { x: 120.0 + 2.0 * d, y: 30.0 },
            coord! { x: 120.0 + 2.0 * d, y: 30.0 + d },
            coord! { x: 120.0 + d, y: 30.0 + d },
        ]);
        let banded = MultiPolygon(vec![Polygon::new(LineString(west), vec![])]);
        for second in [square(120.0 + d, 30.0, d), banded] {
            let a = arena(&[square(120.0, 30.0, d), second]);
            let idx = ParcelIndex::new(&a);
            let y = 30.0 + d / 3.0;
            for mm in [-4.9, -1.0, 0.0, 1.0, 4.9] {
                let p = Coord { x: east(mm), y };
                assert_eq!(idx.locate(p), Hit::Many(vec![0, 1]), "{mm} mm east");
            }
            assert_eq!(idx.locate(Coord { x: east(-5.1), y }), Hit::One(0));
            assert_eq!(idx.locate(Coord { x: east(5.1), y }), Hit::One(1));
            // Off the squares' outer edges: on the boundary within 5 mm, in none beyond.
            let x = 120.0 + d / 2.0;
            assert_eq!(idx.locate(Coord { x, y: north(4.9) }), Hit::One(0));
            assert_eq!(idx.locate(Coord { x, y: north(5.1) }), Hit::None);
            // Off the second's north-east corner, within 5 mm as the crow flies (3.5 mm each
            // way), and beyond (3.6 mm each way).
            let p = Coord {
                x: east(3.5) + d,
                y: north(3.5),
            };
            assert_eq!(idx.locate(p), Hit::One(1));
            let p = Coord {
                x: east(3.6) + d,
                y: north(3.6),
            };
            assert_eq!(idx.locate(p), Hit::None);
        }
    }

    #[test]
    fn shapes_with_and_without_bands_locate_alike() {
        // Circles of 31, 32 and 200 edges (the last two banded), overlapping, and a holed one.
        let circle = |cx: f64, n: u32, r: f64| -> Polygon<f64> {
            Polygon::new(
                LineString(
                    (0..=n)
                        .map(|i| {
                            let a = std::f64::consts::TAU * f64::from(i % n) / f64::from(n);
                            coord! { x: cx + r * a.cos(), y: r * a.sin() }
                        })
                        .collect(),
                ),
                vec![],
            )
        };
        let mut holed = circle(6.0, 64, 2.0);
        holed.interiors_push(
            circle(6.0, 48, 1.0)
                .exterior()
                .0
                .iter()
                .rev()
                .copied()
                .collect::<Vec<_>>(),
        );
        let shapes = arena(&[
            MultiPolygon(vec![circle(0.0, 31, 2.0)]),
            MultiPolygon(vec![circle(1.0, 32, 2.0)]),
            MultiPolygon(vec![circle(2.0, 200, 2.0)]),
            MultiPolygon(vec![holed]),
        ]);
        let idx = ParcelIndex::new(&shapes);
        assert_eq!(idx.bands.len(), 3, "the shapes of 32 edges or more");
        for i in 0..=400 {
            for j in 0..=100 {
                let p = coord! { x: -2.5 + f64::from(i) * 0.025, y: -2.5 + f64::from(j) * 0.05 };
                // On the boundary within 5 mm: (-1, 0) is 1e-16 off a vertex of the second.
                let expected: Vec<usize> = (0..shapes.len())
                    .filter(|&k| {
                        let s = shapes.get(k);
                        s.position(p) != Position::Outside || s.is_near_boundary(&Near::new(p))
                    })
                    .collect();
                let found = match idx.locate(p) {
                    Hit::None => vec![],
                    Hit::One(k) => vec![k],
                    Hit::Many(v) => v,
                };
                assert_eq!(found, expected, "at {p:?}");
            }
        }
    }

    #[test]
    fn a_point_in_a_hole_is_in_no_parcel() {
        let p = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)],
            interiors: [[(x: 4.0, y: 4.0), (x: 4.0, y: 6.0), (x: 6.0, y: 6.0), (x: 6.0, y: 4.0)]],
        );
        let a = arena(&[MultiPolygon(vec![p])]);
        let idx = ParcelIndex::new(&a);
        assert_eq!(idx.locate(coord! { x: 5.0, y: 5.0 }), Hit::None);
        assert_eq!(idx.locate(coord! { x: 2.0, y: 5.0 }), Hit::One(0));
    }

    #[test]
    fn stacked_copies_are_one_row_each_against_the_first() {
        // Four copies of a (rows 0, 2, 3, 5), two of b (1, 4: a pair, below STACK_MIN), and c
        // overlapping a by half.
        let d = 0.001;
        let a = square(120.0, 30.0, d);
        let b = square(121.0, 30.0, d);
        let c = square(120.0 + d / 2.0, 30.0, d);
        let shapes = arena(&[a.clone(), b.clone(), a.clone(), a.clone(), b, a.clone(), c]);
        let o = ParcelIndex::new(&shapes).overlaps();
        let rows: Vec<(usize, usize, Option<usize>)> =
            o.iter().map(|x| (x.a, x.b, x.stack)).collect();
        assert_eq!(
            rows,
            vec![
                (0, 2, Some(4)),
                (0, 3, Some(4)),
                (0, 5, Some(4)),
                (0, 6, None),
                (1, 4, None)
            ]
        );
        let whole = a.geodesic_area_unsigned();
        assert!((o[0].area_m2 - whole).abs() / whole < 1e-9, "{o:?}");
        assert!((o[3].area_m2 - whole / 2.0).abs() / whole < 1e-6, "{o:?}");
        // 3,000 copies: 2,999 rows.
        let many = arena(&vec![a; 3000]);
        let o = ParcelIndex::new(&many).overlaps();
        assert_eq!(o.len(), 2999);
        assert!(
            o.iter()
                .enumerate()
                .all(|(k, x)| x.a == 0 && x.b == k + 1 && x.stack == Some(3000))
        );
    }

    #[test]
    fn overlaps_are_found_and_touching_is_not_an_overlap() {
        // Around 120E 30N, about 100 m squares; b overlaps a by half, c touches a and b, d
        // duplicates a exactly.
        let d = 0.001;
        let a = square(120.0, 30.0, d);
        let b = square(120.0 + d / 2.0, 30.0, d);
        let c = square(120.0, 30.0 + d, d);
        let shapes = arena(&[a.clone(), b, c, a.clone()]);
        let idx = ParcelIndex::new(&shapes);
        let o = idx.overlaps();
        let pairs: Vec<(usize, usize)> = o.iter().map(|x| (x.a, x.b)).collect();
        assert_eq!(pairs, vec![(0, 1), (0, 3), (1, 3)], "{o:?}");
        assert!(o.iter().all(|x| x.stack.is_none()), "{o:?}");
        let half = a.geodesic_area_unsigned() / 2.0;
        assert!(
            (o[0].area_m2 - half).abs() / half < 1e-6,
            "{} vs {half}",
            o[0].area_m2
        );
        assert!(
            (o[1].area_m2 - 2.0 * half).abs() / half < 1e-6,
            "{} vs {}",
            o[1].area_m2,
            2.0 * half
        );
    }
}
