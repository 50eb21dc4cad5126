//! `ParcelIndex`: an R-tree of bounding boxes, refined by exact predicates.
//!
//! Built once by bulk loading (O(n log n)); a point query visits only the boxes that contain
//! the point, then tests each candidate polygon exactly. Parks use the same index.

use geo::{BooleanOps, BoundingRect, Coord, GeodesicArea, Intersects, MultiPolygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// What a point query found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hit {
    /// In no polygon.
    None,
    /// In exactly one polygon (its position in the indexed slice).
    One(usize),
    /// In several polygons (overlapping parcels, or on a shared boundary), in index order.
    Many(Vec<usize>),
}

/// An R-tree over polygons (parcels or parks) for point-in-polygon queries and overlap search.
///
/// ```
/// use geo::{coord, polygon, MultiPolygon};
/// use land_efficiency::index::{Hit, ParcelIndex};
/// let a = MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)]]);
/// let b = MultiPolygon(vec![polygon![(x: 2.0, y: 0.0), (x: 3.0, y: 0.0), (x: 3.0, y: 1.0), (x: 2.0, y: 1.0)]]);
/// let index = ParcelIndex::new(vec![&a, &b]);
/// assert_eq!(index.locate(coord! { x: 2.5, y: 0.5 }), Hit::One(1));
/// assert_eq!(index.locate(coord! { x: 1.5, y: 0.5 }), Hit::None);
/// ```
pub struct ParcelIndex<'a> {
    shapes: Vec<&'a MultiPolygon<f64>>,
    tree: RTree<Entry>,
}

impl<'a> ParcelIndex<'a> {
    /// Bulk-loads the bounding boxes of `shapes`; positions in the iteration are the ids
    /// queries return. Empty shapes are never found.
    pub fn new(shapes: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> Self {
        let shapes: Vec<&MultiPolygon<f64>> = shapes.into_iter().collect();
        let entries: Vec<Entry> = shapes
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.bounding_rect().map(|r| {
                    GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        i,
                    )
                })
            })
            .collect();
        ParcelIndex {
            shapes,
            tree: RTree::bulk_load(entries),
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

    /// The shapes containing `point`, boundary included.
    pub fn locate(&self, point: Coord<f64>) -> Hit {
        let mut hit = Hit::None;
        for entry in self.tree.locate_all_at_point(&[point.x, point.y]) {
            let i = entry.data;
            if self.shapes[i].intersects(&point) {
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
    /// (shapes in lon/lat). Pairs that only touch along an edge or at a point are not listed.
    ///
    /// # Units
    /// Overlap area in m².
    pub fn overlaps(&self) -> Vec<(usize, usize, f64)> {
        let mut out = Vec::new();
        for (a, b) in self
            .tree
            .intersection_candidates_with_other_tree(&self.tree)
        {
            let (i, j) = (a.data, b.data);
            if i >= j {
                continue;
            }
            let (si, sj) = (self.shapes[i], self.shapes[j]);
            if !si.intersects(sj) {
                continue;
            }
            let area = si.intersection(sj).geodesic_area_unsigned();
            if area > 0.0 {
                out.push((i, j, area));
            }
        }
        out.sort_by_key(|x| (x.0, x.1));
        out
    }

    /// Positions of shapes whose bounding boxes intersect the box from `min` to `max`.
    pub fn candidates(&self, min: Coord<f64>, max: Coord<f64>) -> Vec<usize> {
        let env = AABB::from_corners([min.x, min.y], [max.x, max.y]);
        let mut v: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data)
            .collect();
        v.sort_unstable();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, polygon};

    fn square(x: f64, y: f64, s: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x, y: y), (x: x + s, y: y), (x: x + s, y: y + s), (x: x, y: y + s)],
        ])
    }

    #[test]
    fn boundary_points_of_two_parcels_are_ambiguous() {
        let a = square(0.0, 0.0, 1.0);
        let b = square(1.0, 0.0, 1.0);
        let idx = ParcelIndex::new(vec![&a, &b]);
        assert_eq!(idx.locate(coord! { x: 1.0, y: 0.5 }), Hit::Many(vec![0, 1]));
        assert_eq!(idx.locate(coord! { x: 0.5, y: 0.5 }), Hit::One(0));
    }

    #[test]
    fn a_point_in_a_hole_is_in_no_parcel() {
        let outer =
            polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)];
        let hole = geo::LineString::from(vec![
            (4.0, 4.0),
            (4.0, 6.0),
            (6.0, 6.0),
            (6.0, 4.0),
            (4.0, 4.0),
        ]);
        let p = MultiPolygon(vec![geo::Polygon::new(
            outer.exterior().clone(),
            vec![hole],
        )]);
        let idx = ParcelIndex::new(vec![&p]);
        assert_eq!(idx.locate(coord! { x: 5.0, y: 5.0 }), Hit::None);
        assert_eq!(idx.locate(coord! { x: 2.0, y: 5.0 }), Hit::One(0));
    }

    #[test]
    fn overlaps_are_found_and_touching_is_not_an_overlap() {
        // Around 120E 30N, about 100 m squares; b overlaps a by half, c touches a.
        let d = 0.001;
        let a = square(120.0, 30.0, d);
        let b = square(120.0 + d / 2.0, 30.0, d);
        let c = square(120.0, 30.0 + d, d);
        let idx = ParcelIndex::new(vec![&a, &b, &c]);
        let o = idx.overlaps();
        assert_eq!(o.len(), 1, "{o:?}");
        assert_eq!((o[0].0, o[0].1), (0, 1));
        let half = a.geodesic_area_unsigned() / 2.0;
        assert!((o[0].2 - half).abs() / half < 1e-6, "{} vs {half}", o[0].2);
    }
}
