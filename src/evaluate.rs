//! Park aggregation (低效用地占比 per park) and the composite evaluation of enterprises.

use serde::{Deserialize, Serialize};

use crate::audit::ParcelResult;
use crate::parcel::Park;

/// One park's figures (SPEC §4.5).
///
/// # Units
/// Areas in mu; ratios are fractions in [0, 1].
#[derive(Debug, Clone, Serialize)]
pub struct ParkResult {
    /// The park as read (geometry in WGS84); not serialised.
    #[serde(skip)]
    pub park: Park,
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
    /// Low-efficiency parcels among them.
    pub low_efficiency_count: usize,
    /// Low-efficiency area / area; `None` for a park with no parcel.
    pub low_efficiency_ratio: Option<f64>,
    /// Low-efficiency count / parcel count; `None` for a park with no parcel.
    pub low_efficiency_count_share: Option<f64>,
    /// Idle parcels among them.
    pub idle_count: usize,
    /// `low_efficiency_ratio` strictly above the cap.
    pub over_cap: bool,
}

/// Aggregates parcels into their parks. Parks keep their file order; a park with no parcel has
/// no ratio and is not over the cap.
///
/// `max_ratio` is `[park] max_low_efficiency_ratio`: strictly above is over the cap.
pub fn parks(parcels: &[ParcelResult], parks: Vec<Park>, max_ratio: f64) -> Vec<ParkResult> {
    let mut out: Vec<ParkResult> = parks
        .into_iter()
        .map(|park| ParkResult {
            park_id: park.id.clone(),
            name: park.name.clone(),
            park,
            parcel_count: 0,
            area_mu: 0.0,
            low_efficiency_area_mu: 0.0,
            low_efficiency_count: 0,
            low_efficiency_ratio: None,
            low_efficiency_count_share: None,
            idle_count: 0,
            over_cap: false,
        })
        .collect();
    let position: std::collections::HashMap<&str, usize> = out
        .iter()
        .enumerate()
        .map(|(i, p)| (p.park.id.as_str(), i))
        .collect();
    let mut acc = vec![(0usize, 0.0f64, 0.0f64, 0usize, 0usize); out.len()];
    for p in parcels {
        let Some(&k) = p.park_id.as_deref().and_then(|id| position.get(id)) else {
            continue;
        };
        let a = &mut acc[k];
        a.0 += 1;
        a.1 += p.area_mu;
        if p.low_efficiency {
            a.2 += p.area_mu;
            a.3 += 1;
        }
        if p.idle {
            a.4 += 1;
        }
    }
    for (r, (n, area, low_area, low_n, idle)) in out.iter_mut().zip(acc) {
        r.parcel_count = n;
        r.area_mu = area;
        r.low_efficiency_area_mu = low_area;
        r.low_efficiency_count = low_n;
        r.idle_count = idle;
        if n > 0 && area > 0.0 {
            let ratio = low_area / area;
            r.low_efficiency_ratio = Some(ratio);
            r.low_efficiency_count_share = Some(low_n as f64 / n as f64);
            r.over_cap = ratio > max_ratio;
        }
    }
    out
}

/// `[evaluation]`: the composite evaluation of enterprises (亩均效益综合评价).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvaluationConfig {}

impl EvaluationConfig {
    pub(crate) fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

/// An enterprise's composite grade.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grade {
    /// The composite score.
    pub score: Option<f64>,
}
