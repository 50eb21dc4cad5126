//! Park aggregation: each park's low-efficiency land ratio (低效用地占比) against its cap.

use std::collections::HashSet;

use rayon::prelude::*;

use crate::config::Config;
use crate::error::{Layer, Warning};
use crate::index::{Hit, ParcelIndex};
use crate::outcome::Tally;
use crate::outcome::{Figures, NO_PARK};
use crate::parcel::{ParcelRef, Parcels, Parks};
use crate::rollup::{Rollup, rank_by_tax_per_mu, rollups};
use crate::rules::exceeds;
use crate::units::m2_to_mu;
use crate::years::Trend;

/// One park's figures.
///
/// # Units
/// Areas in mu; ratios are fractions in [0, 1].
#[derive(Debug, Clone)]
pub struct ParkResult {
    /// Row of the park in the report's parks table (its geometry); not serialised.
    pub row: usize,
    /// 0-based index of the feature in its file; not serialised.
    pub index: usize,
    /// Park code.
    pub park_id: String,
    /// Park name.
    pub name: Option<String>,
    /// Evaluated parcels whose interior point lies in the park.
    pub parcel_count: usize,
    /// Their area, mu.
    pub area_mu: f64,
    /// Low-efficiency area among them (idle parcels included), mu.
    pub low_efficiency_area_mu: f64,
    /// Parcels among them left out of the ratio: not low-efficiency on their own figures, and
    /// their tenants' figures leave a firm out (rejected, or in two parcels), so whether they
    /// are low is not known.
    pub unjudged_count: usize,
    /// Their area, mu.
    pub unjudged_area_mu: f64,
    /// Low-efficiency parcels among them.
    pub low_efficiency_count: usize,
    /// Low-efficiency area / (area − unjudged area); `None` for a park with no judged parcel.
    pub low_efficiency_ratio: Option<f64>,
    /// Low-efficiency count / (parcel count − unjudged count); `None` for a park with no judged
    /// parcel.
    pub low_efficiency_count_share: Option<f64>,
    /// Idle parcels among them.
    pub idle_count: usize,
    /// `low_efficiency_ratio` strictly above the cap.
    pub over_cap: bool,
    /// The park's per-mu figures, plot ratio and parcels by reason (园区汇总).
    pub rollup: Rollup,
    /// Its rank among the parks by tax per mu (1 the highest, ties sharing the better rank);
    /// `None` for a park with no judged land.
    pub rank_tax_per_mu: Option<usize>,
    /// Its per-mu figures against earlier audits' (growth, three-year averages), when earlier
    /// audits were given.
    pub trend: Option<Trend>,
}

/// A parcel as park aggregation reads it.
#[derive(Debug, Clone, Copy)]
pub struct ParkShare {
    /// Row of its park, if any.
    pub park: Option<usize>,
    /// Its area, m². (Summed in m² and turned into mu once, so that a ratio exactly at the
    /// cap is not over it by a rounding: 3 of 10 parcels of 1600 m² is 0.3, where the sum of
    /// their mu made it 0.30000000000000004.)
    pub area_m2: f64,
    /// Low-efficiency.
    pub low_efficiency: bool,
    /// Idle.
    pub idle: bool,
    /// Whether it is low is not known: its tenants' figures leave a firm out (rejected, or in
    /// two parcels) and its own figures do not make it low. Left out of the ratio and counted
    /// as unjudged (a share also `low_efficiency` counts as low).
    pub unjudged: bool,
}

/// Aggregates parcels into their parks. Parks keep their file order; a park with no parcel has
/// no ratio and is not over the cap.
///
/// `max_ratio` is `[park] max_low_efficiency_ratio`: strictly above is over the cap.
///
/// # Panics
/// When a share's `park` is not a row of `parks` (`park >= parks.len()`).
pub fn parks(
    parcels: impl Iterator<Item = ParkShare>,
    parks: &Parks,
    max_ratio: f64,
) -> Vec<ParkResult> {
    #[derive(Clone, Copy, Default)]
    struct Acc {
        count: usize,
        area: f64,
        low_area: f64,
        low_count: usize,
        idle: usize,
        // Summed apart rather than taken from `area`: a difference would leave a rounding.
        judged_area: f64,
        unjudged_area: f64,
        unjudged_count: usize,
    }
    let mut acc = vec![Acc::default(); parks.len()];
    for p in parcels {
        let Some(k) = p.park else { continue };
        let a = &mut acc[k];
        a.count += 1;
        a.area += p.area_m2;
        if p.low_efficiency {
            a.low_area += p.area_m2;
            a.low_count += 1;
        }
        if p.unjudged && !p.low_efficiency {
            a.unjudged_area += p.area_m2;
            a.unjudged_count += 1;
        } else {
            a.judged_area += p.area_m2;
        }
        if p.idle {
            a.idle += 1;
        }
    }
    acc.into_iter()
        .enumerate()
        .map(|(row, a)| {
            let judged = a.count - a.unjudged_count;
            let ratio = (judged > 0 && a.judged_area > 0.0).then(|| a.low_area / a.judged_area);
            ParkResult {
                row,
                index: parks.index[row] as usize,
                park_id: parks.id(row).to_string(),
                name: parks.names.get(row).map(str::to_string),
                parcel_count: a.count,
                area_mu: m2_to_mu(a.area),
                low_efficiency_area_mu: m2_to_mu(a.low_area),
                low_efficiency_count: a.low_count,
                unjudged_count: a.unjudged_count,
                unjudged_area_mu: m2_to_mu(a.unjudged_area),
                low_efficiency_ratio: ratio,
                low_efficiency_count_share: ratio.map(|_| a.low_count as f64 / judged as f64),
                idle_count: a.idle,
                over_cap: ratio.is_some_and(|r| exceeds(r, max_ratio)),
                rollup: Rollup::default(),
                rank_tax_per_mu: None,
                trend: None,
            }
        })
        .collect()
}

/// The park containing a parcel's interior point (geo's `InteriorPoint`, computed on the arena
/// by [`ShapeRef::interior_point`](crate::shapes::ShapeRef::interior_point)): its row, and whether
/// the point lies in more than one park (the first is taken).
fn park_of(p: ParcelRef<'_>, index: &ParcelIndex) -> (u32, bool) {
    if index.is_empty() {
        return (NO_PARK, false);
    }
    let Some(point) = p.shape().interior_point() else {
        return (NO_PARK, false);
    };
    match index.locate(point) {
        Hit::None => (NO_PARK, false),
        Hit::One(k) => (k as u32, false),
        Hit::Many(v) => (v[0] as u32, true),
    }
}

/// A warning for each rule naming a park no park read has: such a rule matches no parcel, and
/// only the audit, which reads the parks, can tell (a typo such as `K9` for `K09`, say).
pub(crate) fn unknown_park_rules(
    config: &Config,
    parks: &Parks,
    parks_given: bool,
) -> Vec<Warning> {
    let low = &config.low_efficiency;
    let known: HashSet<&str> = (0..parks.len()).map(|row| parks.id(row)).collect();
    low.rules
        .iter()
        .enumerate()
        .filter_map(|(i, rule)| {
            let park = rule.park.as_deref()?;
            if known.contains(park) {
                return None;
            }
            let why = if parks_given {
                "no park read from the parks file has that id"
            } else {
                "no parks file was given"
            };
            Some(Warning {
                layer: Layer::Parks,
                index: Warning::NO_RECORD,
                id: None,
                message: format!(
                    "{} names park {park:?}, but {why}: the rule matches no parcel",
                    low.rule_label(i)
                ),
            })
        })
        .collect()
}

/// The warning for a parcel whose interior point lies in several parks.
pub(crate) fn several_parks(
    p: ParcelRef<'_>,
    index: &ParcelIndex,
    parks: &Parks,
) -> Option<Warning> {
    let point = p.shape().interior_point()?;
    let Hit::Many(v) = index.locate(point) else {
        return None;
    };
    let ids: Vec<&str> = v.iter().map(|&k| parks.id(k)).collect();
    Some(Warning {
        layer: Layer::Parcels,
        index: p.index(),
        id: Some(p.id().to_string()),
        message: format!(
            "the parcel's interior point lies in {} parks ({}); it is counted in {}",
            ids.len(),
            ids.join(", "),
            ids[0]
        ),
    })
}

/// Finds each parcel's park on the pool while the parcels' R-tree is bulk-loaded on this
/// thread (~0.2 s at 1M, and in this thread's heap). Returns the R-tree and the rows whose
/// interior point lies in more than one park.
pub(crate) fn place_and_index<'a>(
    parcels: &'a Parcels,
    figures: &mut [Figures],
    park_index: &ParcelIndex<'_>,
) -> (ParcelIndex<'a>, Vec<usize>) {
    let mut several: Vec<usize> = Vec::new();
    let parcel_index = rayon::in_place_scope(|scope| {
        scope.spawn(|_| {
            several = (figures.par_iter_mut().enumerate())
                .filter_map(|(row, f)| {
                    let (park, several) = park_of(parcels.get(row), park_index);
                    f.park = park;
                    several.then_some(row)
                })
                .collect();
        });
        ParcelIndex::new(&parcels.shapes)
    });
    (parcel_index, several)
}

/// The parks stage: each park's figures from its parcels' outcomes and their tenants' sums,
/// and the zone's roll-up (`footprint`: a parcel's building footprint by row).
pub(crate) fn aggregate(
    figures: &[Figures],
    tallies: &[Tally],
    parcels: &Parcels,
    parks: &Parks,
    max_ratio: f64,
    footprint: &dyn Fn(usize) -> Option<f64>,
) -> (Vec<ParkResult>, Rollup) {
    let shares = figures.iter().map(|f| ParkShare {
        park: (f.park != NO_PARK).then_some(f.park as usize),
        area_m2: f.area_m2,
        low_efficiency: !f.reasons.is_empty(),
        idle: f.idle,
        unjudged: f.unjudged(),
    });
    let mut results = self::parks(shares, parks, max_ratio);
    let (park_rollups, zone) = rollups(figures, tallies, parcels, parks.len(), footprint);
    let ranks = rank_by_tax_per_mu(&park_rollups);
    for ((k, rollup), rank) in results.iter_mut().zip(park_rollups).zip(ranks) {
        k.rollup = rollup;
        k.rank_tax_per_mu = rank;
    }
    (results, zone)
}
