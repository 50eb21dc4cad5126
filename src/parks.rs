//! Park aggregation: each park's low-efficiency land ratio (低效用地占比) against its cap.

use serde::Serialize;

use crate::parcel::Parks;
use crate::rules::exceeds;
use crate::units::m2_to_mu;

/// One park's figures .
///
/// # Units
/// Areas in mu; ratios are fractions in [0, 1].
#[derive(Debug, Clone, Serialize)]
pub struct ParkResult {
    /// Row of the park in the report's parks table (its geometry); not serialised.
    #[serde(skip)]
    pub row: usize,
    /// 0-based index of the feature in its file.
    #[serde(skip)]
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
            }
        })
        .collect()
}
