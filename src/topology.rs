//! Rings that touch so as to cut a polygon's interior into pieces.
//!
//! A hole may touch the exterior (or another hole) at a point: the interior stays one piece.
//! Two such touches between the same rings, or a loop of them through several rings, enclose a
//! part of the interior and cut it off from the rest. OGC simple features call such a polygon
//! invalid, and GEOS (so QGIS's validity check and shapely) reports "Interior is disconnected";
//! geo's `Validation`, which the readers use, accepts it. Its area is still well defined (the
//! sum of the pieces), so the audit evaluates the parcel and says what it saw in a warning.
//!
//! The test: a graph whose nodes are the rings and the points where rings touch, with a link
//! between a ring and each touch point on it. The interior is in pieces exactly when this graph
//! has a loop; the loop's rings and points are the ones reported. Rings that pass `Validation` neither cross nor share a stretch, so they can only
//! meet where a vertex of one lies on the other; those points are found with geo's exact
//! point-on-segment test, over the edges near each vertex (an R-tree for large polygons).

use std::collections::{HashMap, HashSet};

use geo::{BoundingRect, Coord, Intersects, Line};
use rstar::{AABB, RTree};

use crate::index::entry;

/// Where the rings of a polygon touch in a loop.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cut {
    /// The rings on the loop (0 is the exterior, 1… the holes), ascending.
    pub rings: Vec<usize>,
    /// The points on the loop, where they touch, in the order found.
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
    // Edge numbers as u32 in the parcel index's entry type: with a second R-tree type the
    // index stage measured 0.03 s slower at 1M parcels, in seven alternating pairs of runs.
    let indexed = edges.len() > INDEXED_EDGES && u32::try_from(edges.len()).is_ok();
    let tree = indexed.then(|| {
        RTree::bulk_load(
            edges
                .iter()
                .enumerate()
                .map(|(i, (_, line))| entry(line.bounding_rect(), i as u32)) // fits: checked
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
                        meet(v, r, e.data as usize);
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
    // Union-find over the links, keeping those that join two parts (a forest): the first link
    // whose ends are joined already closes a loop with the forest's path between them.
    let nodes = rings.len() + points.len();
    let mut parent: Vec<usize> = (0..nodes).collect();
    let mut forest: Vec<Vec<usize>> = vec![Vec::new(); nodes];
    for &(ring, point) in &links {
        let (a, b) = (root(&mut parent, ring), root(&mut parent, point));
        if a != b {
            parent[a] = b;
            forest[ring].push(point);
            forest[point].push(ring);
            continue;
        }
        let path = path_between(&forest, point, ring);
        let mut on_rings: Vec<usize> = path.iter().copied().filter(|&v| v < rings.len()).collect();
        on_rings.sort_unstable();
        let mut on_points: Vec<usize> =
            path.iter().copied().filter(|&v| v >= rings.len()).collect();
        on_points.sort_unstable();
        return Some(Cut {
            rings: on_rings,
            points: on_points
                .into_iter()
                .map(|v| points[v - rings.len()])
                .collect(),
        });
    }
    None
}

/// The nodes on the path from `from` to `to` in `forest` (adjacency lists), both included;
/// just the two when there is none (which the caller rules out).
fn path_between(forest: &[Vec<usize>], from: usize, to: usize) -> Vec<usize> {
    let mut came_from: Vec<Option<usize>> = vec![None; forest.len()];
    came_from[from] = Some(from);
    let mut queue = std::collections::VecDeque::from([from]);
    while let Some(v) = queue.pop_front() {
        if v == to {
            let mut path = vec![to];
            let mut at = to;
            while let Some(prev) = came_from[at].filter(|&p| p != at) {
                path.push(prev);
                at = prev;
            }
            return path;
        }
        for &w in &forest[v] {
            if came_from[w].is_none() {
                came_from[w] = Some(v);
                queue.push_back(w);
            }
        }
    }
    vec![from, to]
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
    fn only_the_rings_and_points_on_the_loop_are_named() {
        // Hole 1 touches the exterior once, at (0, 5); hole 2 spans the parcel from (5, 0) to
        // (5, 10). The loop is the exterior and hole 2.
        let once = ring(&[(0.0, 5.0), (2.0, 4.0), (2.0, 6.0)]);
        let across = ring(&[(5.0, 0.0), (4.0, 5.0), (5.0, 10.0), (6.0, 5.0)]);
        let c = cut(&[ring(&SHELL), once, across]).expect("cut");
        assert_eq!(c.rings, vec![0, 2]);
        assert_eq!(
            c.points,
            vec![Coord { x: 5.0, y: 0.0 }, Coord { x: 5.0, y: 10.0 }]
        );
    }

    #[test]
    fn two_holes_touching_each_other_twice_cut_without_the_exterior() {
        // A square hole and a dart whose two back corners rest on its right edge: between
        // them the dart's notch and the square's edge enclose a piece of the interior.
        let square = ring(&[(2.0, 2.0), (2.0, 6.0), (4.0, 6.0), (4.0, 2.0)]);
        let wedge = ring(&[(4.0, 3.0), (7.0, 4.0), (4.0, 5.0), (5.0, 4.0)]);
        let c = cut(&[ring(&SHELL), square, wedge]).expect("cut");
        assert_eq!(c.rings, vec![1, 2]);
        assert_eq!(
            c.points,
            vec![Coord { x: 4.0, y: 3.0 }, Coord { x: 4.0, y: 5.0 }]
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
        assert_eq!(cut(&[exterior.clone(), once]), None);
        // A hole touching once beside the one across: only the loop is named, as without
        // the index.
        let beside = ring(&[(0.0, 5.0), (2.0, 4.0), (2.0, 6.0)]);
        let across = ring(&[(5.05, 0.0), (4.0, 5.0), (5.05, 10.0), (6.0, 5.0)]);
        let c = cut(&[exterior, beside, across]).expect("cut");
        assert_eq!(c.rings, vec![0, 2]);
        assert_eq!(c.points.len(), 2);
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
