//! Rings that touch so as to cut a polygon's interior into pieces.
//!
//! A hole may touch the exterior (or another hole) at a point: the interior stays one piece.
//! Two such touches between the same rings, or a loop of them through several rings, enclose a
//! part of the interior and cut it off from the rest. OGC simple features call such a polygon
//! invalid, and GEOS (so QGIS's validity check and shapely) reports "Interior is disconnected";
//! geo's `Validation`, which the readers use, accepts it. Its area is still well defined (the
//! sum of the pieces), so the audit evaluates the parcel and says what it saw in a warning.
//!
//! The test: a graph whose nodes are the rings and the points where rings touch, with an edge
//! between a ring and each touch point on it. The interior is in pieces exactly when this graph
//! has a loop. Rings that pass `Validation` neither cross nor share a stretch, so they can only
//! meet where a vertex of one lies on the other; those points are found with geo's exact
//! point-on-segment test, over the edges near each vertex (an R-tree for large polygons).

use std::collections::{HashMap, HashSet};

use geo::{Coord, Intersects, Line};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// Where the rings of a polygon touch in a loop.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cut {
    /// The rings in the loop's part of the graph (0 is the exterior, 1… the holes), ascending.
    pub rings: Vec<usize>,
    /// The points where they touch, in the order found.
    pub points: Vec<Coord<f64>>,
}

/// Above this many edges in a polygon, the edges near each vertex are found with an R-tree
/// rather than by trying them all.
const INDEXED_EDGES: usize = 64;

/// The loop of touches that cuts the interior of the polygon with these closed rings (exterior
/// first), if there is one.
pub(crate) fn interior_cut(rings: &[&[Coord<f64>]]) -> Option<Cut> {
    if rings.len() < 2 {
        return None;
    }
    // Every edge with its ring.
    let edges: Vec<(usize, Line<f64>)> = rings
        .iter()
        .enumerate()
        .flat_map(|(r, ring)| ring.windows(2).map(move |w| (r, Line::new(w[0], w[1]))))
        .collect();
    let tree = (edges.len() > INDEXED_EDGES).then(|| {
        RTree::bulk_load(
            edges
                .iter()
                .enumerate()
                .map(|(i, (_, l))| {
                    let (lo, hi) = (l.start, l.end);
                    GeomWithData::new(
                        Rectangle::from_corners(
                            [lo.x.min(hi.x), lo.y.min(hi.y)],
                            [lo.x.max(hi.x), lo.y.max(hi.y)],
                        ),
                        i,
                    )
                })
                .collect(),
        )
    });
    // (point, ring) pairs: each ring through each point where it meets another ring. Rings
    // that neither cross nor share a stretch meet only where a vertex of one lies on the other.
    let mut touches: Vec<(Coord<f64>, usize)> = Vec::new();
    let mut meet = |v: Coord<f64>, r: usize, edge: usize| {
        let (other, line) = edges[edge];
        if other != r && line.intersects(&v) {
            touches.push((v, r));
            touches.push((v, other));
        }
    };
    for (r, ring) in rings.iter().enumerate() {
        for &v in *ring {
            match &tree {
                Some(tree) => {
                    let at = AABB::from_point([v.x, v.y]);
                    for e in tree.locate_in_envelope_intersecting(&at) {
                        meet(v, r, e.data);
                    }
                }
                None => (0..edges.len()).for_each(|e| meet(v, r, e)),
            }
        }
    }
    if touches.is_empty() {
        return None;
    }
    // The graph: nodes are rings 0..n, then each distinct point (exact equality; -0.0 is 0.0);
    // a link joins a ring and a point on it.
    let mut points: Vec<Coord<f64>> = Vec::new();
    let mut node_of: HashMap<(u64, u64), usize> = HashMap::new();
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    let mut links: Vec<(usize, usize)> = Vec::new();
    for (p, ring) in touches {
        let key = ((p.x + 0.0).to_bits(), (p.y + 0.0).to_bits());
        let node = *node_of.entry(key).or_insert_with(|| {
            points.push(p);
            points.len() - 1
        });
        let link = (ring, rings.len() + node);
        if seen.insert(link) {
            links.push(link);
        }
    }
    let mut parent: Vec<usize> = (0..rings.len() + points.len()).collect();
    for &(ring, point) in &links {
        let (a, b) = (root(&mut parent, ring), root(&mut parent, point));
        if a == b {
            // A loop: report its part of the graph.
            let part = |node: usize, parent: &mut Vec<usize>| root(parent, node) == a;
            let in_rings = (0..rings.len()).filter(|&r| part(r, &mut parent)).collect();
            let in_points = (0..points.len())
                .filter(|&i| part(rings.len() + i, &mut parent))
                .map(|i| points[i])
                .collect();
            return Some(Cut {
                rings: in_rings,
                points: in_points,
            });
        }
        parent[a] = b;
    }
    None
}

fn root(parent: &mut [usize], mut node: usize) -> usize {
    while parent[node] != node {
        parent[node] = parent[parent[node]];
        node = parent[node];
    }
    node
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(points: &[(f64, f64)]) -> Vec<Coord<f64>> {
        let mut r: Vec<Coord<f64>> = points.iter().map(|&(x, y)| Coord { x, y }).collect();
        r.push(r[0]);
        r
    }

    fn cut(rings: &[Vec<Coord<f64>>]) -> Option<Cut> {
        let refs: Vec<&[Coord<f64>]> = rings.iter().map(Vec::as_slice).collect();
        interior_cut(&refs)
    }

    const SHELL: [(f64, f64); 4] = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)];

    #[test]
    fn a_hole_apart_or_touching_once_leaves_one_piece() {
        let apart = ring(&[(2.0, 2.0), (2.0, 4.0), (4.0, 4.0), (4.0, 2.0)]);
        assert_eq!(cut(&[ring(&SHELL), apart]), None);
        // Touching the exterior at one vertex of its own, in the middle of an edge.
        let once = ring(&[(5.0, 0.0), (4.0, 3.0), (6.0, 3.0)]);
        assert_eq!(cut(&[ring(&SHELL), once]), None);
    }

    #[test]
    fn a_hole_touching_the_exterior_twice_cuts_it() {
        // One vertex on the bottom edge, one on the top edge: the hole spans the parcel.
        let across = ring(&[(5.0, 0.0), (4.0, 5.0), (5.0, 10.0), (6.0, 5.0)]);
        let c = cut(&[ring(&SHELL), across]).expect("cut");
        assert_eq!(c.rings, vec![0, 1]);
        assert_eq!(
            c.points,
            vec![Coord { x: 5.0, y: 0.0 }, Coord { x: 5.0, y: 10.0 }]
        );
    }

    #[test]
    fn large_polygons_find_the_same_touches_through_their_index() {
        // The 10 × 10 exterior with 40 vertices a side (160 edges, past INDEXED_EDGES), and
        // the hole across it from (5.05, 0) to (5.05, 10): mid-edge on both sides.
        let mut side = Vec::new();
        for (a, b) in [
            ((0.0, 0.0), (10.0, 0.0)),
            ((10.0, 0.0), (10.0, 10.0)),
            ((10.0, 10.0), (0.0, 10.0)),
            ((0.0, 10.0), (0.0, 0.0)),
        ] {
            for i in 0..40 {
                let t = f64::from(i) / 40.0;
                side.push((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t));
            }
        }
        let exterior = ring(&side);
        assert!(exterior.len() - 1 > INDEXED_EDGES);
        let across = ring(&[(5.05, 0.0), (4.0, 5.0), (5.05, 10.0), (6.0, 5.0)]);
        let c = cut(&[exterior.clone(), across]).expect("cut");
        assert_eq!(c.rings, vec![0, 1]);
        assert_eq!(
            c.points,
            vec![Coord { x: 5.05, y: 0.0 }, Coord { x: 5.05, y: 10.0 }]
        );
        let once = ring(&[(5.05, 0.0), (4.0, 5.0), (5.05, 9.0), (6.0, 5.0)]);
        assert_eq!(cut(&[exterior, once]), None);
    }

    #[test]
    fn an_exterior_vertex_on_a_hole_counts_as_a_touch() {
        // An exterior notched from the top down to (5, 6), where its tip rests on the hole.
        let notched = ring(&[
            (0.0, 0.0),
            (10.0, 0.0),
            (10.0, 10.0),
            (6.0, 10.0),
            (5.0, 6.0),
            (4.0, 10.0),
            (0.0, 10.0),
        ]);
        // The hole's top edge runs under the notch's tip (5, 6); its bottom vertex sits on the
        // exterior's bottom edge.
        let hole = ring(&[(5.0, 0.0), (3.0, 6.0), (7.0, 6.0)]);
        let c = cut(&[notched, hole]).expect("cut");
        assert_eq!(c.rings, vec![0, 1]);
        assert!(c.points.contains(&Coord { x: 5.0, y: 6.0 }), "{c:?}");
        assert!(c.points.contains(&Coord { x: 5.0, y: 0.0 }), "{c:?}");
    }

    #[test]
    fn a_loop_through_three_rings_cuts_and_a_star_does_not() {
        // Two holes touching each other once and the exterior once each: a loop of three.
        let left = ring(&[(0.0, 5.0), (3.0, 4.0), (5.0, 5.0), (3.0, 6.0)]);
        let right = ring(&[(5.0, 5.0), (7.0, 4.0), (10.0, 5.0), (7.0, 6.0)]);
        let c = cut(&[ring(&SHELL), left.clone(), right]).expect("cut");
        assert_eq!(c.rings, vec![0, 1, 2]);
        assert_eq!(c.points.len(), 3);
        // Two holes and the exterior all meeting at one point: one piece.
        let a = ring(&[(5.0, 0.0), (3.0, 3.0), (4.0, 4.0)]);
        let b = ring(&[(5.0, 0.0), (6.0, 4.0), (7.0, 3.0)]);
        assert_eq!(cut(&[ring(&SHELL), a, b]), None);
        // A single ring never cuts.
        assert_eq!(cut(&[left]), None);
    }
}
