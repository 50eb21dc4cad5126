//! The check of each layer as a whole: whether the audit's figures are an answer at all.
//!
//! A record that is wrong is rejected and listed; a layer that is wrong as a whole (its tax
//! column under another name, its points in another CRS) leaves every parcel idle and every
//! park over its cap, figures that look like a verdict. Such an audit is
//! [suspect](crate::error::Suspicion): its outputs are written, with the rejections, and the
//! summary lists why it is not an answer (`[checks]` sets the shares).

use std::collections::HashMap;

use geo::{Coord, Rect};

use crate::config::ChecksConfig;
use crate::crs::{Crs, gcj02};
use crate::error::{Layer, Rejection, Suspicion};
use crate::index::{Hit, ParcelIndex};
use crate::parcel::{Enterprises, Parcels, Parks};
use crate::read::Loaded;
use crate::results::Summary;
use crate::shapes::extent_of;

/// The bounding boxes of each layer in WGS84 lon/lat: parcels and parks as read, enterprises'
/// points (those with one).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Extents {
    pub(crate) parcels: Option<Rect<f64>>,
    pub(crate) enterprises: Option<Rect<f64>>,
    pub(crate) parks: Option<Rect<f64>>,
}

/// What the readers found wrong with each layer as a whole, taken from the layers, and each
/// layer's bounding box.
pub(crate) fn of_readers(
    parcels: &mut Loaded<Parcels>,
    enterprises: Option<&mut Loaded<Enterprises>>,
    parks: Option<&mut Loaded<Parks>>,
) -> (Vec<Suspicion>, Extents) {
    let mut found = std::mem::take(&mut parcels.suspicions);
    let mut extents = Extents {
        parcels: parcels.records.shapes.extent(),
        ..Extents::default()
    };
    if let Some(l) = enterprises {
        found.append(&mut l.suspicions);
        extents.enterprises = extent_of(l.records.location.iter().copied());
    }
    if let Some(l) = parks {
        found.append(&mut l.suspicions);
        extents.parks = l.records.shapes.extent();
    }
    (found, extents)
}

/// Layers apart by more than this are apart (km): a zone's firms stand in or beside its
/// parcels, never kilometres off; a datum shift or a web-map offset is well under it.
const APART_KM: f64 = 1.0;

/// Everything that makes the audit of `summary` untrustworthy as a whole: layers mostly
/// rejected or unmatched past the shares of `checks`, layers apart; after `found` (what the
/// readers and stages saw of a layer as a whole, a mapped column absent from its header).
pub(crate) fn suspicions(
    summary: &Summary,
    rejected: &[Rejection],
    checks: &ChecksConfig,
    extents: &Extents,
    found: Vec<Suspicion>,
) -> Vec<Suspicion> {
    let mut all = found;
    let files = &summary.crs;
    let layers = [
        (
            Layer::Parcels,
            &summary.parcels.read,
            Some(files.parcels.file.as_str()),
        ),
        (
            Layer::Enterprises,
            &summary.enterprises.read,
            files.enterprises.as_ref().map(|c| c.file.as_str()),
        ),
        (
            Layer::Parks,
            &summary.park_features.read,
            files.parks.as_ref().map(|c| c.file.as_str()),
        ),
    ];
    for (layer, &read, file) in layers {
        let file = file.unwrap_or("");
        // A layer already found wrong as a whole says why; its rejections follow from it.
        if all.iter().any(|s| s.layer == layer) {
            continue;
        }
        let mine: Vec<&Rejection> = (rejected.iter())
            .filter(|r| r.layer == layer && !r.is_join_miss())
            .collect();
        if let Some(message) = past_share(mine.len(), read, checks.max_rejected_share, "rejected") {
            all.push(Suspicion {
                layer,
                code: "mostly_rejected",
                message: format!(
                    "{file}: {message} of its {} records were rejected{}",
                    layer.as_str(),
                    commonest(&mine)
                ),
            });
        }
    }
    let e = &summary.enterprises;
    let kept = e.read - e.rejected;
    let misses: Vec<&Rejection> = (rejected.iter())
        .filter(|r| r.layer == Layer::Enterprises && r.is_join_miss())
        .collect();
    if !all.iter().any(|s| s.layer == Layer::Enterprises)
        && let Some(message) =
            past_share(e.unmatched, kept, checks.max_unmatched_share, "unmatched")
    {
        let file = files.enterprises.as_ref().map_or("", |c| c.file.as_str());
        all.push(Suspicion {
            layer: Layer::Enterprises,
            code: "mostly_unmatched",
            message: format!(
                "{file}: {message} of the enterprises kept were joined to no parcel{}; check \
                 that the enterprises and the parcels are of one zone and in the CRS each was \
                 read as (the summary's crs)",
                commonest(&misses)
            ),
        });
    }
    if let Some(parcels) = extents.parcels {
        for (layer, extent, what, info) in [
            (
                Layer::Enterprises,
                extents.enterprises,
                "enterprises' points",
                &files.enterprises,
            ),
            (Layer::Parks, extents.parks, "parks", &files.parks),
        ] {
            let Some(extent) = extent else { continue };
            let file = info.as_ref().map_or("", |c| c.file.as_str());
            let km = gap_km(parcels, extent);
            if km > APART_KM {
                all.push(Suspicion {
                    layer,
                    code: "layers_apart",
                    message: format!(
                        "{file}: the {what} ({}) lie {km:.1} km from the parcels ({}): the layers do \
                         not meet, so one of them is read in the wrong CRS (the summary's crs \
                         says what each was read as; set it with --crs or [crs] {})",
                        describe(extent),
                        describe(parcels),
                        layer.as_str()
                    ),
                });
            }
        }
    }
    all
}

/// "`n` of `of` (p%, more than the q% [checks] max_..._share allows)", when `n / of` is past
/// `max`.
fn past_share(n: usize, of: usize, max: f64, what: &str) -> Option<String> {
    if of == 0 || (n as f64) <= max * of as f64 {
        return None;
    }
    let key = if what == "rejected" {
        "max_rejected_share"
    } else {
        "max_unmatched_share"
    };
    Some(format!(
        "{n} of {of} ({:.0}%, more than the {:.0}% [checks] {key} allows)",
        100.0 * n as f64 / of as f64,
        100.0 * max
    ))
}

/// What kind of rejection: its code and property.
fn kind(r: &Rejection) -> (&str, Option<&str>) {
    (r.code, r.property.as_deref())
}

/// "; the commonest reason, N of them: <code> <property>: <the first one's reason>".
fn commonest(rejected: &[&Rejection]) -> String {
    // (the first of a kind, how many), a kind being the code and the property.
    let mut counts: Vec<(&Rejection, usize)> = Vec::new();
    for r in rejected {
        match counts.iter_mut().find(|(first, _)| kind(first) == kind(r)) {
            Some((_, n)) => *n += 1,
            None => counts.push((r, 1)),
        }
    }
    // The first in file order among the most frequent.
    let Some(&(first, n)) = counts.iter().rev().max_by_key(|(_, n)| *n) else {
        return String::new();
    };
    let at = match &first.id {
        Some(id) => format!("record {} ({id})", first.index),
        None => format!("record {}", first.index),
    };
    format!(
        "; the commonest reason, {n} of them, first at {at}: {}",
        first.reason
    )
}

/// The geodesic distance between two lon/lat boxes, km (0 when they meet): from the point of
/// each box nearest the other.
fn gap_km(a: Rect<f64>, b: Rect<f64>) -> f64 {
    use geo::{Distance, Geodesic, Point};
    // Along one axis, the coordinate of `r` nearest the span `lo..=hi` of the other box.
    let nearest = |r_lo: f64, r_hi: f64, lo: f64, hi: f64| {
        if r_hi < lo {
            r_hi
        } else if r_lo > hi {
            r_lo
        } else {
            lo.max(r_lo)
        }
    };
    let (a0, a1, b0, b1) = (a.min(), a.max(), b.min(), b.max());
    let pa = Point::new(
        nearest(a0.x, a1.x, b0.x, b1.x),
        nearest(a0.y, a1.y, b0.y, b1.y),
    );
    let pb = Point::new(
        nearest(b0.x, b1.x, a0.x, a1.x),
        nearest(b0.y, b1.y, a0.y, a1.y),
    );
    Geodesic.distance(pa, pb) / 1000.0
}

fn describe(r: Rect<f64>) -> String {
    format!(
        "lon {:.4}–{:.4}, lat {:.4}–{:.4}",
        r.min().x,
        r.max().x,
        r.min().y,
        r.max().y
    )
}

/// Firms that carry both a parcel code and a point say twice where they stand. When many
/// points lie off the parcel their code names, and reading the points in a web-map offset
/// (GCJ-02, BD-09) puts most of those back in it, the layer is in that offset and read as
/// WGS84: the firms joined by their point alone are joined to the wrong parcels.
pub(crate) fn offset_points(
    layer: &Loaded<Enterprises>,
    parcels: &Parcels,
    index: &ParcelIndex<'_>,
) -> Option<Suspicion> {
    let (enterprises, crs) = (&layer.records, &layer.crs);
    let file = layer.file.display();
    let both: Vec<(usize, Coord<f64>)> = (0..enterprises.len())
        .filter(|&row| enterprises.parcel_key(row).is_some())
        .filter_map(|row| Some((row, enterprises.location(row)?)))
        .collect();
    if both.is_empty() {
        return None;
    }
    let by_id: HashMap<&str, usize> = (0..parcels.len())
        .map(|row| (parcels.ids.get(row), row))
        .collect();
    let keyed: Vec<(usize, Coord<f64>)> = (both.iter())
        .filter_map(|&(row, point)| Some((*by_id.get(enterprises.parcel_key(row)?)?, point)))
        .collect();
    let inside = |parcel: usize, point: Coord<f64>| match index.locate(point) {
        Hit::One(i) => i == parcel,
        Hit::Many(v) => v.contains(&parcel),
        Hit::None => false,
    };
    let off: Vec<(usize, Coord<f64>)> = (keyed.iter().copied())
        .filter(|&(parcel, point)| !inside(parcel, point))
        .collect();
    // A few firms off their parcel are records to correct, not a layer in the wrong datum.
    if off.len() < MIN_OFF || off.len() * 5 < keyed.len() {
        return None;
    }
    let mut readings: Vec<(&str, ToWgs84, &str)> = vec![
        ("GCJ-02 (AMap, Tencent)", gcj02::gcj02_to_wgs84, "GCJ-02"),
        ("BD-09 (Baidu)", gcj02::bd09_to_wgs84, "BD-09"),
    ];
    if matches!(crs, Crs::Gcj02) {
        readings.push(("WGS84", gcj02::wgs84_to_gcj02, "EPSG:4326"));
    }
    let (name, back, fix) = readings.into_iter().max_by_key(|(_, to, _)| {
        (off.iter())
            .filter(|&&(parcel, p)| {
                let (x, y) = to(p.x, p.y);
                inside(parcel, Coord { x, y })
            })
            .count()
    })?;
    let fixed = (off.iter())
        .filter(|&&(parcel, p)| {
            let (x, y) = back(p.x, p.y);
            inside(parcel, Coord { x, y })
        })
        .count();
    if fixed * 2 < off.len() {
        return None;
    }
    Some(Suspicion {
        layer: Layer::Enterprises,
        code: "points_offset",
        message: format!(
            "{file}: {} of the {} enterprises with both a parcel code and a point have the point \
             outside the parcel the code names; read as {name}, {fixed} of those {} fall in \
             it: the points are {name} coordinates read as {crs}, so the firms placed by their \
             point alone stand a few hundred metres off. Set [crs] enterprises = \"{fix}\" and \
             audit again",
            off.len(),
            keyed.len(),
            off.len()
        ),
    })
}

/// A web-map offset undone: lon/lat in, WGS84 lon/lat out.
type ToWgs84 = fn(f64, f64) -> (f64, f64);

/// Fewer firms off their parcel than this say nothing about the layer.
const MIN_OFF: usize = 3;
