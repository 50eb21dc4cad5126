//! The coordinate arena: every shape's coordinates in one buffer, rings, polygons and
//! shapes as end offsets into it; point-in-polygon, interior points and edge bands.

use geo::algorithm::line_intersection::{LineIntersection, line_intersection};
use geo::{Coord, Line, LineString, MultiPolygon, Polygon, Rect};

use crate::columns::Offsets;
use crate::error::Result;

/// Polygonal shapes in one arena: coordinates → rings → polygons → shapes, each level an array
/// of end offsets into the level below (compressed sparse rows). A polygon's first ring is its
/// exterior, the rest its holes.
#[derive(Debug, Clone, Default)]
pub struct Shapes {
    coords: Vec<Coord<f64>>,
    ring_ends: Offsets,
    polygon_ends: Offsets,
    shape_ends: Offsets,
    multi: Vec<bool>,
}

/// One shape of a [`Shapes`] arena, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct ShapeRef<'a> {
    shapes: &'a Shapes,
    polygons: (usize, usize),
}

/// One polygon of a shape: its rings as coordinate slices, exterior first.
#[derive(Debug, Clone, Copy)]
pub struct PolygonRef<'a> {
    shapes: &'a Shapes,
    rings: (usize, usize),
}

impl Shapes {
    /// An empty arena.
    pub fn new() -> Self {
        Shapes::default()
    }

    /// Number of shapes.
    pub fn len(&self) -> usize {
        self.shape_ends.len()
    }

    /// True when there is no shape.
    pub fn is_empty(&self) -> bool {
        self.shape_ends.is_empty()
    }

    /// Number of coordinates in all shapes.
    pub fn coord_count(&self) -> usize {
        self.coords.len()
    }

    /// The bounding box of every shape; `None` when there is none.
    pub fn extent(&self) -> Option<Rect<f64>> {
        extent_of(self.coords.iter().copied())
    }

    /// Appends a shape; `multi` records whether it came as a MultiPolygon.
    pub fn push(&mut self, shape: &MultiPolygon<f64>, multi: bool) {
        for polygon in &shape.0 {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                self.coords.extend_from_slice(&ring.0);
                self.ring_ends.push(self.coords.len());
            }
            self.polygon_ends.push(self.ring_ends.len());
        }
        self.shape_ends.push(self.polygon_ends.len());
        self.multi.push(multi);
    }

    /// Shape `i`.
    ///
    /// # Panics
    /// When `i >= self.len()`.
    pub fn get(&self, i: usize) -> ShapeRef<'_> {
        let r = self.shape_ends.range(i);
        ShapeRef {
            shapes: self,
            polygons: (r.start, r.end),
        }
    }

    /// Releases spare capacity (after reading).
    pub fn shrink_to_fit(&mut self) {
        self.coords.shrink_to_fit();
        self.ring_ends.shrink_to_fit();
        self.polygon_ends.shrink_to_fit();
        self.shape_ends.shrink_to_fit();
        self.multi.shrink_to_fit();
    }

    /// True when shape `i` came as a MultiPolygon.
    pub fn is_multi(&self, i: usize) -> bool {
        self.multi[i]
    }

    fn ring(&self, r: usize) -> &[Coord<f64>] {
        &self.coords[self.ring_ends.range(r)]
    }

    fn ring_range(&self, r: usize) -> std::ops::Range<usize> {
        self.ring_ends.range(r)
    }

    fn rings_of_polygon(&self, p: usize) -> std::ops::Range<usize> {
        self.polygon_ends.range(p)
    }

    /// Where polygon `p`'s coordinates start in the arena (`p` may be one past the last).
    fn coord_end_before_polygon(&self, p: usize) -> usize {
        let ring = if p == 0 {
            0
        } else {
            self.polygon_ends.get(p - 1)
        };
        if ring == 0 {
            0
        } else {
            self.ring_ends.get(ring - 1)
        }
    }

    /// The coordinate range of shape `i` in the arena (empty for a shape with no polygons).
    fn coord_range(&self, i: usize) -> std::ops::Range<usize> {
        let shape = self.get(i);
        if shape.polygons.0 == shape.polygons.1 {
            let at = self.coord_end_before_polygon(shape.polygons.0);
            return at..at;
        }
        let first_ring = self.rings_of_polygon(shape.polygons.0).start;
        let last_ring = self.rings_of_polygon(shape.polygons.1 - 1).end;
        self.ring_range(first_ring).start..self.ring_range(last_ring - 1).end
    }

    /// Applies `f` to every coordinate of every shape, in parallel; the first error wins
    /// (with the shape it came from).
    pub fn try_map_coords<E: Send>(
        &mut self,
        f: impl Fn(Coord<f64>) -> Result<Coord<f64>, E> + Sync,
    ) -> Vec<(usize, E)> {
        use rayon::prelude::*;
        let ranges: Vec<std::ops::Range<usize>> =
            (0..self.len()).map(|i| self.coord_range(i)).collect();
        let mut slices: Vec<&mut [Coord<f64>]> = Vec::with_capacity(ranges.len());
        let mut rest: &mut [Coord<f64>] = &mut self.coords;
        let mut at = 0;
        for r in &ranges {
            let (_, tail) = rest.split_at_mut(r.start - at);
            let (mine, tail) = tail.split_at_mut(r.len());
            slices.push(mine);
            rest = tail;
            at = r.end;
        }
        let mut errors: Vec<(usize, E)> = slices
            .into_par_iter()
            .enumerate()
            .filter_map(|(i, coords)| {
                for c in coords.iter_mut() {
                    match f(*c) {
                        Ok(v) => *c = v,
                        Err(e) => return Some((i, e)),
                    }
                }
                None
            })
            .collect();
        errors.sort_by_key(|(i, _)| *i);
        errors
    }

    /// Orients every ring in place: exteriors counter-clockwise, holes clockwise (RFC 7946).
    pub fn orient(&mut self) {
        for p in 0..self.polygon_ends.len() {
            for (k, r) in self.rings_of_polygon(p).enumerate() {
                let range = self.ring_range(r);
                let ring = &mut self.coords[range];
                let ccw = signed_area2(ring) > 0.0;
                if (k == 0) != ccw {
                    ring.reverse();
                }
            }
        }
    }

    /// Keeps the shapes for which `keep(i)` is true, in order.
    pub fn retain(&mut self, keep: &[bool]) {
        let mut out = Shapes::new();
        for i in (0..self.len()).filter(|&i| keep[i]) {
            let shape = self.get(i);
            for p in shape.polygons.0..shape.polygons.1 {
                for r in self.rings_of_polygon(p) {
                    out.coords.extend_from_slice(self.ring(r));
                    out.ring_ends.push(out.coords.len());
                }
                out.polygon_ends.push(out.ring_ends.len());
            }
            out.shape_ends.push(out.polygon_ends.len());
            out.multi.push(self.multi[i]);
        }
        *self = out;
    }
}

/// Twice the signed area of a closed ring (shoelace), positive when counter-clockwise.
fn signed_area2(ring: &[Coord<f64>]) -> f64 {
    if ring.len() < 3 {
        return 0.0;
    }
    // Shift to the first point to keep precision for large coordinates.
    let o = ring[0];
    ring.windows(2)
        .map(|w| (w[0].x - o.x) * (w[1].y - o.y) - (w[1].x - o.x) * (w[0].y - o.y))
        .sum()
}

/// Where a point lies relative to a shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// Outside (or in a hole).
    Outside,
    /// On an edge.
    Boundary,
    /// Inside.
    Inside,
}

impl<'a> ShapeRef<'a> {
    /// The polygons.
    pub fn polygons(&self) -> impl ExactSizeIterator<Item = PolygonRef<'a>> + 'a {
        let shapes = self.shapes;
        (self.polygons.0..self.polygons.1).map(move |p| {
            let r = shapes.rings_of_polygon(p);
            PolygonRef {
                shapes,
                rings: (r.start, r.end),
            }
        })
    }

    /// Every ring of every polygon, each exterior before its holes.
    pub fn rings(&self) -> impl Iterator<Item = &'a [Coord<f64>]> + 'a {
        self.polygons().flat_map(PolygonRef::rings)
    }

    /// Number of edges over all rings.
    pub fn edge_count(&self) -> usize {
        self.rings().map(|r| r.len().saturating_sub(1)).sum()
    }

    /// An owned geo shape.
    pub fn to_multipolygon(&self) -> MultiPolygon<f64> {
        MultiPolygon(self.polygons().map(|p| p.to_polygon()).collect())
    }

    /// The bounding box; `None` for an empty shape.
    pub fn bounding_rect(&self) -> Option<Rect<f64>> {
        extent_of(self.polygons().flat_map(|p| p.exterior().iter().copied()))
    }

    /// The first exterior coordinate for which `pred` holds.
    pub fn find_coord(&self, pred: impl Fn(Coord<f64>) -> bool) -> Option<Coord<f64>> {
        self.polygons()
            .find_map(|p| p.exterior().iter().copied().find(|c| pred(*c)))
    }

    /// Where `p` lies: inside, on an edge, or outside (holes are outside). Crossing-number test
    /// over every ring.
    pub fn position(&self, p: Coord<f64>) -> Position {
        self.position_by(|_, ring| ring_position(ring, p))
    }

    /// Where a point lies, given where it lies relative to each ring (`ring_at(r, ring)`, `r`
    /// counting the shape's rings in order): on the boundary of the first polygon it is on,
    /// else inside when inside some polygon.
    fn position_by(&self, mut ring_at: impl FnMut(usize, &[Coord<f64>]) -> Position) -> Position {
        let mut inside = false;
        let mut first = 0;
        for polygon in self.polygons() {
            match polygon.position_by(first, &mut ring_at) {
                Position::Boundary => return Position::Boundary,
                Position::Inside => inside = true,
                Position::Outside => {}
            }
            first += polygon.rings.1 - polygon.rings.0;
        }
        if inside {
            Position::Inside
        } else {
            Position::Outside
        }
    }

    /// A point inside the shape: the same point geo's `InteriorPoint` gives for the shape as a
    /// `MultiPolygon` (parcels go to the park holding it), computed on the arena's slices
    /// without building one. Of the polygons, the one whose scan line crosses it widest wins,
    /// the first on a tie. `None` for an empty shape. In the arena's coordinates: lon/lat
    /// (WGS84) for layers the readers made.
    ///
    /// The same point as geo's for valid shapes, as the readers accept them. For a ring that
    /// crosses itself the two can differ: geo tests candidate points by winding number, this
    /// by crossing number (a square traversed twice is inside for geo, outside here).
    pub fn interior_point(&self) -> Option<Coord<f64>> {
        let mut best: Option<(Coord<f64>, f64)> = None;
        for (point, width) in self.polygons().filter_map(|p| p.interior_point_and_width()) {
            match best {
                Some((_, w)) if width.partial_cmp(&w) != Some(std::cmp::Ordering::Greater) => {}
                _ => best = Some((point, width)),
            }
        }
        best.map(|(point, _)| point)
    }
}

impl<'a> PolygonRef<'a> {
    /// The exterior ring.
    pub fn exterior(&self) -> &'a [Coord<f64>] {
        self.shapes.ring(self.rings.0)
    }

    /// The holes.
    pub fn interiors(self) -> impl Iterator<Item = &'a [Coord<f64>]> + 'a {
        let shapes = self.shapes;
        (self.rings.0 + 1..self.rings.1).map(move |r| shapes.ring(r))
    }

    /// Every ring, exterior first.
    pub fn rings(self) -> impl Iterator<Item = &'a [Coord<f64>]> + 'a {
        let shapes = self.shapes;
        (self.rings.0..self.rings.1).map(move |r| shapes.ring(r))
    }

    /// An owned geo polygon.
    pub fn to_polygon(&self) -> Polygon<f64> {
        Polygon::new(
            LineString(self.exterior().to_vec()),
            self.interiors().map(|r| LineString(r.to_vec())).collect(),
        )
    }

    /// geo's interior point of this polygon with the width of the scan-line stretch it is the
    /// middle of (0 when it lies on the boundary), step for step as geo 0.33 computes it: a
    /// horizontal line through the middle of the bounding box (moved half-way towards the
    /// nearest vertex height when a vertex lies on it), its crossings with every edge sorted
    /// west to east, and of the stretches between consecutive crossings, widest first, the first
    /// whose midpoint is in the polygon. geo finds the crossings with a sweep over all edges and
    /// tests the midpoints with `relate`; here each edge meets the line once, in the argument
    /// order the sweep uses, and the midpoint is tested with the exact crossing-number test.
    fn interior_point_and_width(&self) -> Option<(Coord<f64>, f64)> {
        let exterior = self.exterior();
        if exterior.len() == 1 {
            return Some((exterior[0], 0.0));
        }
        let first = *exterior.first()?;
        // The box as geo's `bounding_rect` computes it (exterior only).
        let (mut min, mut max) = (first, first);
        for c in exterior {
            if c.x > max.x {
                max.x = c.x;
            } else if c.x < min.x {
                min.x = c.x;
            }
            if c.y > max.y {
                max.y = c.y;
            } else if c.y < min.y {
                min.y = c.y;
            }
        }
        let rings = || self.rings();
        let mut y_mid = (min.y + max.y) / 2.0;
        if rings().flatten().any(|c| c.y == y_mid) {
            let mut closest: Option<(f64, f64)> = None;
            for c in rings().flatten().filter(|c| c.y != y_mid) {
                let distance = (c.y - y_mid).abs();
                match closest {
                    Some((_, d)) if distance.partial_cmp(&d) != Some(std::cmp::Ordering::Less) => {}
                    _ => closest = Some((c.y, distance)),
                }
            }
            if let Some((y, _)) = closest {
                y_mid = (y_mid + y) / 2.0;
            }
        }
        let scan = Line::new(Coord { x: min.x, y: y_mid }, Coord { x: max.x, y: y_mid });
        // The sweep sorts segments by their west end, stably, the scan line last: an edge whose
        // west end is not east of the scan line's comes first in the pair it is tested in.
        // (geo also keeps edge-with-edge crossings when an edge equals the scan line, which
        // needs a horizontal edge at y_mid spanning the whole box: a flat shape, rejected on
        // reading.)
        let west = |l: &Line<f64>| {
            if l.start.x < l.end.x {
                l.start.x
            } else {
                l.end.x
            }
        };
        let scan_west = west(&scan);
        let mut xs: Vec<f64> = Vec::new();
        for ring in rings() {
            for w in ring.windows(2) {
                let edge = Line::new(w[0], w[1]);
                let met = if west(&edge).total_cmp(&scan_west).is_le() {
                    line_intersection(edge, scan)
                } else {
                    line_intersection(scan, edge)
                };
                match met {
                    Some(LineIntersection::SinglePoint { intersection, .. }) => {
                        xs.push(intersection.x)
                    }
                    Some(LineIntersection::Collinear { intersection }) => {
                        xs.push(intersection.start.x);
                        xs.push(intersection.end.x);
                    }
                    None => {}
                }
            }
        }
        xs.sort_by(f64::total_cmp);
        let mut stretches: Vec<(Coord<f64>, f64)> = xs
            .windows(2)
            .map(|w| {
                let midpoint = Coord {
                    x: (w[0] + w[1]) / 2.0,
                    y: y_mid,
                };
                (midpoint, w[1] - w[0])
            })
            .collect();
        stretches.sort_by(|a, b| b.1.total_cmp(&a.1));
        for (midpoint, width) in stretches {
            match self.position(midpoint) {
                Position::Inside => return Some((midpoint, width)),
                Position::Boundary => return Some((midpoint, 0.0)),
                Position::Outside => {}
            }
        }
        Some((first, 0.0))
    }

    fn position(&self, p: Coord<f64>) -> Position {
        self.position_by(0, &mut |_, ring| ring_position(ring, p))
    }

    /// Where a point lies, given where it lies relative to each ring (`ring_at(r, ring)`, the
    /// rings numbered from `first`, exterior first): outside the exterior or inside a hole is
    /// outside, on any ring the boundary (the first met decides).
    fn position_by(
        &self,
        first: usize,
        ring_at: &mut impl FnMut(usize, &[Coord<f64>]) -> Position,
    ) -> Position {
        match ring_at(first, self.exterior()) {
            Position::Inside => {}
            other => return other,
        }
        for (k, hole) in self.interiors().enumerate() {
            match ring_at(first + 1 + k, hole) {
                Position::Inside => return Position::Outside,
                Position::Boundary => return Position::Boundary,
                Position::Outside => {}
            }
        }
        Position::Inside
    }
}

/// How near a point must come to a shape's boundary, on the ground, to be on it: 5 mm.
///
/// A point on the edge two parcels share must be found on both whatever the CRS it came in.
/// Exactly on the edge in its own plane (EPSG:4549, say), it is a few nanometres off that edge
/// once it and the edge's ends are reprojected to WGS84, and a lon/lat file exported to 8
/// decimals (1 mm) moves it by as much again. A boundary point of a cadastral survey is good
/// to centimetres, so 5 mm tells nothing apart that the data can.
///
/// # Units
/// Metres.
pub const ON_BOUNDARY_M: f64 = 0.005;

/// Metres per degree of latitude, and of longitude at the equator, on a sphere of the WGS84
/// mean radius: the tolerance needs no better (the ellipsoid changes it by under 1 %).
const M_PER_DEGREE: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// A lon/lat point and the ground distance [`ON_BOUNDARY_M`] around it: which edges pass that
/// near it. Distances are measured in a plane tangent at the point (longitude scaled by the
/// cosine of its latitude), which over a few millimetres is the ground.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Near {
    p: Coord<f64>,
    /// The length of a degree of longitude in degrees of latitude, at the point.
    k: f64,
    /// The distance, in degrees of latitude.
    r: f64,
}

impl Near {
    /// The neighbourhood of `p`, lon/lat degrees.
    pub(crate) fn new(p: Coord<f64>) -> Near {
        // Never 0 (at a pole), nor negative for a point outside lon/lat's range.
        let k = p.y.to_radians().cos().abs().max(1e-9);
        Near {
            p,
            k,
            r: ON_BOUNDARY_M / M_PER_DEGREE,
        }
    }

    /// The box around the point that holds every coordinate within the distance.
    pub(crate) fn bounds(&self) -> (Coord<f64>, Coord<f64>) {
        let (dx, dy) = (self.r / self.k, self.r);
        (
            Coord {
                x: self.p.x - dx,
                y: self.p.y - dy,
            },
            Coord {
                x: self.p.x + dx,
                y: self.p.y + dy,
            },
        )
    }

    /// True when the edge a → b passes within the distance of the point.
    fn reaches(&self, a: Coord<f64>, b: Coord<f64>) -> bool {
        let (ax, ay) = ((a.x - self.p.x) * self.k, a.y - self.p.y);
        let (bx, by) = ((b.x - self.p.x) * self.k, b.y - self.p.y);
        let r = self.r;
        if ax.min(bx) > r || ax.max(bx) < -r || ay.min(by) > r || ay.max(by) < -r {
            return false;
        }
        let (dx, dy) = (bx - ax, by - ay);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 {
            (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (cx, cy) = (ax + t * dx, ay + t * dy);
        cx * cx + cy * cy <= r * r
    }
}

impl ShapeRef<'_> {
    /// True when the shape's boundary (any ring) passes within [`ON_BOUNDARY_M`] of the point.
    pub(crate) fn is_near_boundary(&self, near: &Near) -> bool {
        self.rings()
            .any(|ring| ring.windows(2).any(|w| near.reaches(w[0], w[1])))
    }
}

/// The sign of the turn a → b → c, exactly (robust predicates): > 0 counter-clockwise.
pub(crate) fn orient(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> f64 {
    robust::orient2d(
        robust::Coord { x: a.x, y: a.y },
        robust::Coord { x: b.x, y: b.y },
        robust::Coord { x: c.x, y: c.y },
    )
}

/// Crossing-number point-in-ring test, exact (orientation predicates), with on-edge detection.
fn ring_position(ring: &[Coord<f64>], p: Coord<f64>) -> Position {
    let mut inside = false;
    for w in ring.windows(2) {
        match edge_meets(w[0], w[1], p) {
            Meets::Boundary => return Position::Boundary,
            Meets::Ray => inside = !inside,
            Meets::Neither => {}
        }
    }
    if inside {
        Position::Inside
    } else {
        Position::Outside
    }
}

/// What the edge a → b is to the point p in the crossing-number test.
enum Meets {
    /// p lies on the edge.
    Boundary,
    /// The edge crosses the horizontal ray from p eastwards.
    Ray,
    Neither,
}

/// Only an edge whose heights span p's can meet p or its ray: that is what lets
/// [`EdgeBands`] skip the others.
fn edge_meets(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> Meets {
    let turn = orient(a, b, p);
    if turn == 0.0
        && p.x >= a.x.min(b.x)
        && p.x <= a.x.max(b.x)
        && p.y >= a.y.min(b.y)
        && p.y <= a.y.max(b.y)
    {
        return Meets::Boundary;
    }
    // The edge crosses the horizontal ray to the right of p: upwards with p on its left,
    // or downwards with p on its right.
    let upward = a.y <= p.y && b.y > p.y && turn > 0.0;
    let downward = a.y > p.y && b.y <= p.y && turn < 0.0;
    if upward || downward {
        Meets::Ray
    } else {
        Meets::Neither
    }
}

/// The edges of one shape sorted into horizontal bands, so that a point test reads only the
/// edges in the point's band instead of all of them: a park's outline has a hundred and more
/// edges, and every parcel asks which park it is in. Gives the answers
/// [`ShapeRef::position`] gives, exactly: an edge is filed in every band its heights touch, so
/// the point's band holds every edge that can meet the point or its ray (see `edge_meets`),
/// and the same test runs on those.
#[derive(Debug, Clone)]
pub(crate) struct EdgeBands {
    /// Lowest and highest coordinate height of the shape.
    low: f64,
    high: f64,
    /// Bands per unit of height.
    scale: f64,
    /// Index of the last band.
    last: usize,
    /// Rings of the shape (at most `MAX_RINGS`).
    rings: usize,
    /// Where each band's edges start in `edges`; one more entry than bands.
    starts: Vec<u32>,
    /// (ring, a, b): the ring's number in the shape, and the edge a → b.
    edges: Vec<(u32, Coord<f64>, Coord<f64>)>,
}

impl EdgeBands {
    /// Rings a shape may have for its answers to come from the bands (one bit each).
    const MAX_RINGS: usize = 64;
    /// Edges filed per edge of the shape, at most, summed over its bands: an edge spanning
    /// many bands is filed in each, so a shape of tall zigzags gets fewer, wider bands instead
    /// of memory growing with edges × bands.
    const MAX_FILED_PER_EDGE: usize = 8;

    /// Bands for `shape`; `None` when it has more than 64 rings, no
    /// coordinates, or too many edges to number in 32 bits.
    pub fn new(shape: &ShapeRef<'_>) -> Option<EdgeBands> {
        let rings: Vec<&[Coord<f64>]> = shape.rings().collect();
        if rings.len() > Self::MAX_RINGS {
            return None;
        }
        let ys = || rings.iter().flat_map(|r| r.iter().map(|c| c.y));
        let low = ys().reduce(f64::min)?;
        let high = ys().reduce(f64::max)?;
        let edges = || {
            rings
                .iter()
                .enumerate()
                .flat_map(|(r, ring)| ring.windows(2).map(move |w| (r as u32, w[0], w[1])))
        };
        let edge_count = edges().count();
        let budget = edge_count.checked_mul(Self::MAX_FILED_PER_EDGE)?;
        u32::try_from(budget).ok()?;
        // A band for every four edges, up to 4096, halved until the filing fits the budget
        // (one band files each edge once).
        let mut bands = (edge_count / 4).clamp(1, 4096);
        let mut b = loop {
            let scale = bands as f64 / (high - low);
            let b = EdgeBands {
                low,
                high,
                scale: if scale.is_finite() { scale } else { 0.0 },
                last: bands - 1,
                rings: rings.len(),
                starts: vec![0; bands + 1],
                edges: Vec::new(),
            };
            let filed: usize = edges().map(|(_, a, c)| b.span(a, c).len()).sum();
            if filed <= budget || bands == 1 {
                break b;
            }
            bands /= 2;
        };
        // Count, then place (each edge in every band from its lowest to its highest point).
        for (_, a, c) in edges() {
            for k in b.span(a, c) {
                b.starts[k + 1] += 1;
            }
        }
        for k in 0..bands {
            b.starts[k + 1] += b.starts[k];
        }
        let mut fill: Vec<u32> = b.starts[..bands].to_vec();
        b.edges = vec![(0, Coord::zero(), Coord::zero()); b.starts[bands] as usize];
        for (r, a, c) in edges() {
            for k in b.span(a, c) {
                b.edges[fill[k] as usize] = (r, a, c);
                fill[k] += 1;
            }
        }
        Some(b)
    }

    /// The bands an edge a → c is filed in: from its lowest point's to its highest point's.
    fn span(&self, a: Coord<f64>, c: Coord<f64>) -> std::ops::Range<usize> {
        self.band(a.y.min(c.y))..self.band(a.y.max(c.y)) + 1
    }

    /// The band of height `y`. Non-decreasing in `y` (each step rounds monotonically), which
    /// is what files an edge in the band of every height between its ends.
    fn band(&self, y: f64) -> usize {
        // `as` saturates: below `low` (and NaN) is band 0.
        (((y - self.low) * self.scale).floor() as usize).min(self.last)
    }

    /// True when the boundary of `shape`, the shape these bands were made from, passes within
    /// [`ON_BOUNDARY_M`] of the point: the bands its neighbourhood's heights touch hold every
    /// edge that can.
    pub fn is_near_boundary(&self, shape: &ShapeRef<'_>, near: &Near) -> bool {
        if shape.rings().count() != self.rings {
            return shape.is_near_boundary(near);
        }
        let (min, max) = near.bounds();
        if max.y < self.low || min.y > self.high {
            return false;
        }
        let (from, to) = (self.band(min.y), self.band(max.y));
        let edges = &self.edges[self.starts[from] as usize..self.starts[to + 1] as usize];
        edges.iter().any(|&(_, a, b)| near.reaches(a, b))
    }

    /// Edges filed, over all bands (an edge counts once in each band it is in).
    #[cfg(test)]
    fn filed(&self) -> usize {
        self.edges.len()
    }

    /// Where `p` lies relative to `shape`, the shape these bands were made from. (Given a
    /// shape with another number of rings, the answer is the test over every edge.)
    pub fn position(&self, shape: &ShapeRef<'_>, p: Coord<f64>) -> Position {
        if shape.rings().count() != self.rings {
            return shape.position(p);
        }
        if !(p.y >= self.low && p.y <= self.high) {
            return Position::Outside;
        }
        let k = self.band(p.y);
        let (mut boundary, mut odd) = (0u64, 0u64);
        for &(r, a, b) in &self.edges[self.starts[k] as usize..self.starts[k + 1] as usize] {
            let bit = 1u64 << r;
            match edge_meets(a, b, p) {
                Meets::Boundary => boundary |= bit,
                Meets::Ray => odd ^= bit,
                Meets::Neither => {}
            }
        }
        shape.position_by(|r, _| {
            let bit = 1u64 << r;
            if boundary & bit != 0 {
                Position::Boundary
            } else if odd & bit != 0 {
                Position::Inside
            } else {
                Position::Outside
            }
        })
    }
}

/// The bounding box of `coords`, those not finite left out; `None` when none is finite.
pub(crate) fn extent_of(coords: impl Iterator<Item = Coord<f64>>) -> Option<Rect<f64>> {
    let mut bounds: Option<(Coord<f64>, Coord<f64>)> = None;
    for c in coords.filter(|c| c.x.is_finite() && c.y.is_finite()) {
        let (min, max) = bounds.get_or_insert((c, c));
        min.x = min.x.min(c.x);
        min.y = min.y.min(c.y);
        max.x = max.x.max(c.x);
        max.y = max.y.max(c.y);
    }
    bounds.map(|(min, max)| Rect::new(min, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_shapes_have_empty_coordinate_ranges() {
        let square = MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]),
            vec![],
        )]);
        // An empty shape first, between two others and last.
        let mut s = Shapes::new();
        for shape in [
            &MultiPolygon(vec![]),
            &square,
            &MultiPolygon(vec![]),
            &square,
        ] {
            s.push(shape, false);
        }
        s.push(&MultiPolygon(vec![]), true);
        let moved = s.try_map_coords(|c| {
            Ok::<_, ()>(Coord {
                x: c.x + 1.0,
                y: c.y,
            })
        });
        assert!(moved.is_empty());
        assert_eq!(s.coord_range(0), 0..0);
        assert_eq!(s.coord_range(1), 0..4);
        assert_eq!(s.coord_range(2), 4..4);
        assert_eq!(s.coord_range(3), 4..8);
        assert_eq!(s.coord_range(4), 8..8);
        assert_eq!(s.get(3).bounding_rect().map(|r| r.min().x), Some(1.0));
        assert!(s.get(4).bounding_rect().is_none());
    }
    use geo::{coord, polygon};

    #[test]
    fn shapes_round_trip_and_locate() {
        let mut s = Shapes::new();
        let a = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 4.0)],
        ]);
        let holed = polygon!(
            exterior: [(x: 10.0, y: 0.0), (x: 20.0, y: 0.0), (x: 20.0, y: 10.0), (x: 10.0, y: 10.0)],
            interiors: [[(x: 14.0, y: 4.0), (x: 14.0, y: 6.0), (x: 16.0, y: 6.0), (x: 16.0, y: 4.0)]],
        );
        let b = MultiPolygon(vec![
            holed,
            polygon![(x: 30.0, y: 0.0), (x: 31.0, y: 0.0), (x: 31.0, y: 1.0)],
        ]);
        s.push(&a, false);
        s.push(&b, true);
        assert_eq!(s.len(), 2);
        assert_eq!(s.get(1).to_multipolygon(), b);
        assert!(s.is_multi(1) && !s.is_multi(0));
        assert_eq!(
            s.get(0).position(coord! { x: 2.0, y: 2.0 }),
            Position::Inside
        );
        assert_eq!(
            s.get(0).position(coord! { x: 4.0, y: 2.0 }),
            Position::Boundary
        );
        assert_eq!(
            s.get(1).position(coord! { x: 15.0, y: 5.0 }),
            Position::Outside
        );
        assert_eq!(
            s.get(1).position(coord! { x: 12.0, y: 5.0 }),
            Position::Inside
        );
        assert_eq!(
            s.get(1).position(coord! { x: 30.5, y: 0.2 }),
            Position::Inside
        );
        let keep = [false, true];
        s.retain(&keep);
        assert_eq!(s.get(0).to_multipolygon(), b);
    }

    #[test]
    fn orientation_in_place() {
        let mut s = Shapes::new();
        let cw = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 0.0, y: 1.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.0)],
        ]);
        s.push(&cw, false);
        s.orient();
        assert!(signed_area2(s.get(0).polygons().next().unwrap().exterior()) > 0.0);
    }

    fn one(shape: MultiPolygon<f64>) -> Shapes {
        let mut s = Shapes::new();
        s.push(&shape, true);
        s
    }

    fn square(x: f64, y: f64) -> Polygon<f64> {
        polygon![(x: x, y: y), (x: x + 1.0, y: y), (x: x + 1.0, y: y + 1.0), (x: x, y: y + 1.0)]
    }

    #[test]
    fn interior_points_of_the_odd_cases_are_geo_s() {
        use geo::InteriorPoint;
        let flat = Polygon::new(
            LineString::from(vec![(0.0, 0.0), (2.0, 0.0), (1.0, 0.0), (0.0, 0.0)]),
            vec![],
        );
        let dot = Polygon::new(LineString::from(vec![(3.0, 4.0)]), vec![]);
        let empty = Polygon::new(LineString::new(vec![]), vec![]);
        let cases = [
            // A tie between two polygons: the first.
            (
                vec![square(10.0, 0.0), square(20.0, 0.0)],
                Some((10.5, 0.5)),
            ),
            // A flat polygon's point is on its boundary (width 0): the square wins.
            (vec![flat, square(10.0, 0.0)], Some((10.5, 0.5))),
            (vec![dot], Some((3.0, 4.0))),
            (vec![empty.clone(), square(10.0, 0.0)], Some((10.5, 0.5))),
            (vec![empty], None),
            (vec![], None),
        ];
        for (polygons, expected) in cases {
            let shape = MultiPolygon(polygons);
            let ours = one(shape.clone()).get(0).interior_point();
            let geo_s = shape.interior_point().map(|p| p.0);
            assert_eq!(ours, geo_s, "{shape:?}");
            assert_eq!(ours.map(|c| (c.x, c.y)), expected, "{shape:?}");
        }
    }

    /// A zigzag whose every edge spans the whole height: each edge would be filed in every
    /// band.
    fn zigzag(teeth: usize) -> MultiPolygon<f64> {
        let mut ring: Vec<Coord<f64>> = (0..=teeth)
            .map(|i| coord! { x: i as f64, y: if i % 2 == 0 { 0.0 } else { 100.0 } })
            .collect();
        ring.push(coord! { x: teeth as f64, y: -1.0 });
        ring.push(coord! { x: 0.0, y: -1.0 });
        ring.push(ring[0]);
        MultiPolygon(vec![Polygon::new(LineString(ring), vec![])])
    }

    #[test]
    fn edge_bands_stay_within_eight_filings_an_edge() {
        let s = one(zigzag(20_000));
        let shape = s.get(0);
        let bands = EdgeBands::new(&shape).unwrap();
        let edges = shape.edge_count();
        assert!(
            bands.filed() <= 8 * edges,
            "{} filed for {edges} edges",
            bands.filed()
        );
        for p in [
            coord! { x: 0.5, y: 10.0 },
            coord! { x: 1.0, y: 50.0 },
            coord! { x: 7.25, y: -0.5 },
        ] {
            assert_eq!(bands.position(&shape, p), shape.position(p), "at {p:?}");
        }
        // A shape of ordinary edges keeps a band for every four.
        let round = one(MultiPolygon(vec![Polygon::new(
            LineString(
                (0..=400)
                    .map(|i| {
                        let a = std::f64::consts::TAU * f64::from(i % 400) / 400.0;
                        coord! { x: a.cos(), y: a.sin() }
                    })
                    .collect(),
            ),
            vec![],
        )]));
        let b = EdgeBands::new(&round.get(0)).unwrap();
        assert!(b.filed() < 3 * 400, "{}", b.filed());
    }

    #[test]
    fn edge_bands_of_odd_shapes_answer_as_every_edge_does() {
        let flat = MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(0.0, 1.0), (2.0, 1.0), (1.0, 1.0), (0.0, 1.0)]),
            vec![],
        )]);
        let huge = MultiPolygon(vec![polygon![
            (x: -1e308, y: -1e308), (x: 1e308, y: -1e308), (x: 1e308, y: 1e308), (x: -1e308, y: 1e308)
        ]]);
        for shape in [flat, huge] {
            let s = one(shape);
            let shape = s.get(0);
            let bands = EdgeBands::new(&shape).unwrap();
            for p in [
                coord! { x: 0.5, y: 1.0 },
                coord! { x: 0.0, y: 0.0 },
                coord! { x: 3.0, y: 1.0 },
                coord! { x: 1e308, y: 0.0 },
                coord! { x: -1e308, y: 1e308 },
            ] {
                assert_eq!(bands.position(&shape, p), shape.position(p), "at {p:?}");
            }
        }
        // More rings than bits: no bands, the test over every edge is used.
        let holes: Vec<LineString<f64>> = (0..70)
            .map(|k| {
                let x = 1.0 + 2.0 * f64::from(k);
                LineString::from(vec![
                    (x, 1.0),
                    (x, 2.0),
                    (x + 1.0, 2.0),
                    (x + 1.0, 1.0),
                    (x, 1.0),
                ])
            })
            .collect();
        let outer = LineString::from(vec![
            (0.0, 0.0),
            (200.0, 0.0),
            (200.0, 3.0),
            (0.0, 3.0),
            (0.0, 0.0),
        ]);
        let many = one(MultiPolygon(vec![Polygon::new(outer, holes)]));
        assert!(EdgeBands::new(&many.get(0)).is_none());
        // Bands asked about another shape answer for that shape.
        let other = one(zigzag(40));
        let bands = EdgeBands::new(&other.get(0)).unwrap();
        let p = coord! { x: 1.5, y: 1.5 };
        assert_eq!(bands.position(&many.get(0), p), Position::Outside);
        assert_eq!(
            many.get(0).position(coord! { x: 0.5, y: 1.5 }),
            Position::Inside
        );
        assert_eq!(
            bands.position(&many.get(0), coord! { x: 0.5, y: 1.5 }),
            Position::Inside
        );
    }
}

/// Property tests (proptest) of the arena against geo and against the test over every edge.
#[cfg(test)]
mod laws {
    use super::*;
    use geo::{LineString, Polygon};
    use proptest::prelude::*;

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

        /// A parcel goes to the park holding geo's `InteriorPoint`; the crate computes that
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
            }).collect::<Vec<_>>();
            let grid = probes.iter().map(|&(x, y)| Coord { x: f64::from(x) / 8.0, y: f64::from(y) / 8.0 });
            for p in ring_points.iter().copied().chain(grid) {
                prop_assert_eq!(bands.position(&s, p), s.position(p), "at {:?}", p);
            }
            // Near the boundary: within and beyond 5 mm (4.5e-8 degrees of latitude) of it.
            let nudged = ring_points.iter().flat_map(|c| {
                [(0.0, 0.0), (0.0, 4e-8), (0.0, -5e-8), (3e-8, 3e-8), (-4e-8, -2e-8)]
                    .map(|(dx, dy)| Coord { x: c.x + dx, y: c.y + dy })
            });
            for p in nudged {
                let near = Near::new(p);
                prop_assert_eq!(bands.is_near_boundary(&s, &near), s.is_near_boundary(&near), "at {:?}", p);
            }
        }
    }
}
