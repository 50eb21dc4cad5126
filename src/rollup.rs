//! Park and zone roll-ups (园区、开发区汇总): the per-mu figures of a park or of the whole zone,
//! summed over its parcels, the parcels and area by reason, and the parks ranked.
//!
//! A roll-up's money is the sum of its parcels' tenants' money over the sum of their areas, not
//! a mean of the parcels' per-mu figures: the zone's 亩均税收 is its tax over its land. Parcels
//! whose tenants are not all known (unjudged: a firm rejected, or in two parcels) are left out
//! of the money and its area, as they are out of the low-efficiency ratio; a parcel with no
//! tenant counts with zero money (idle land is land the zone holds).

use serde::Serialize;

use crate::outcome::{Figures, Tally};
use crate::parcel::Parcels;
use crate::rules::Reason;
use crate::units::{m2_to_mu, per_mu};

/// The roll-up of a park's or the zone's parcels.
///
/// # Units
/// Money in 万元, per-mu figures in 万元/亩, areas in mu, plot ratio dimensionless.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rollup {
    /// The area the money is over: the parcels judged (unjudged ones left out), mu.
    pub judged_area_mu: f64,
    /// Their tenants' tax, 万元.
    pub tax: f64,
    /// Their tenants' fixed-asset investment, 万元.
    pub investment: f64,
    /// Their tenants' output, 万元.
    pub output: f64,
    /// Tax per mu (亩均税收, TD/T 1029's 工业用地地均税收 in 万元/亩); `None` without judged land.
    pub tax_per_mu: Option<f64>,
    /// Output per mu (亩均产出); `None` without judged land.
    pub output_per_mu: Option<f64>,
    /// Investment per mu (投资强度, 工业用地固定资产投资强度); `None` without judged land.
    pub investment_per_mu: Option<f64>,
    /// The floor area of the parcels whose floor area is known (the parcel's own, else its
    /// tenants'), m².
    pub floor_area_m2: f64,
    /// The land under those parcels, mu.
    pub floor_known_area_mu: f64,
    /// Parcels whose floor area is not known: left out of the plot ratio.
    pub floor_unknown_count: usize,
    /// Plot ratio (工业用地综合容积率) = floor area / the land under it; `None` when no parcel's
    /// floor area is known.
    pub plot_ratio: Option<f64>,
    /// The building footprint of the parcels whose footprint is known (the parcel's own, else
    /// its recorded density × its area, else its tenants' footprints), m².
    pub footprint_m2: f64,
    /// The land under those parcels, mu.
    pub footprint_known_area_mu: f64,
    /// Parcels whose footprint is not known: left out of the building density.
    pub footprint_unknown_count: usize,
    /// Building density (工业用地建筑密度) = footprint / the land under it; `None` when no
    /// parcel's footprint is known.
    pub building_density: Option<f64>,
    /// Low-efficiency parcels and their area by reason (a parcel counts once per reason), in
    /// the order of [`Reason::ALL`], the reasons with none left out. Serialised as an object,
    /// `{"tax": {"count": 3, "area_mu": 41.5}, ...}`.
    #[serde(serialize_with = "serialize_by_reason")]
    pub by_reason: Vec<ReasonTally>,
}

/// The parcels of one reason in a roll-up.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReasonTally {
    /// The reason, as written in outputs (`tax`, `idle`, ...).
    #[serde(serialize_with = "reason_name")]
    pub reason: Reason,
    /// Parcels with it.
    pub count: usize,
    /// Their area, mu.
    pub area_mu: f64,
}

fn serialize_by_reason<S: serde::Serializer>(by: &[ReasonTally], s: S) -> Result<S::Ok, S::Error> {
    by_reason_map(by).serialize(s)
}

/// Parcels by reason as an object: `{"tax": {"count": 3, "area_mu": 41.5}, ...}`.
pub(crate) fn by_reason_map(by: &[ReasonTally]) -> serde_json::Map<String, serde_json::Value> {
    (by.iter())
        .map(|t| {
            let v = serde_json::json!({"count": t.count, "area_mu": t.area_mu});
            (t.reason.as_str().to_string(), v)
        })
        .collect()
}

fn reason_name<S: serde::Serializer>(r: &Reason, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(r.as_str())
}

/// Sums kept in m² and turned into mu once (as the park ratio is).
#[derive(Debug, Clone, Default)]
pub(crate) struct RollupAcc {
    judged_m2: f64,
    money: [f64; 3],
    floor_m2: f64,
    floor_land_m2: f64,
    floor_unknown: usize,
    footprint_m2: f64,
    footprint_land_m2: f64,
    footprint_unknown: usize,
    reasons: [(usize, f64); Reason::ALL.len()],
}

impl RollupAcc {
    /// Adds a parcel: its figures, its tenants' tally, its recorded floor area and its
    /// building footprint.
    pub(crate) fn add(&mut self, f: &Figures, tally: &Tally, built: Built) {
        for (k, r) in Reason::ALL.iter().enumerate() {
            if f.reasons.contains(*r) {
                self.reasons[k].0 += 1;
                self.reasons[k].1 += f.area_m2;
            }
        }
        if f.unsure {
            return;
        }
        let sums = tally.sums(0);
        self.judged_m2 += f.area_m2;
        self.money[0] += sums.tax;
        self.money[1] += sums.investment;
        self.money[2] += sums.output;
        match built.own_floor_m2.or(sums.floor_area_m2) {
            Some(floor) => {
                self.floor_m2 += floor;
                self.floor_land_m2 += f.area_m2;
            }
            None => self.floor_unknown += 1,
        }
        match built.footprint_m2 {
            Some(footprint) => {
                self.footprint_m2 += footprint;
                self.footprint_land_m2 += f.area_m2;
            }
            None => self.footprint_unknown += 1,
        }
    }

    /// The roll-up of what was added.
    pub(crate) fn finish(&self) -> Rollup {
        let [tax, investment, output] = self.money;
        let judged = self.judged_m2 > 0.0;
        Rollup {
            judged_area_mu: m2_to_mu(self.judged_m2),
            tax,
            investment,
            output,
            tax_per_mu: judged.then(|| per_mu(tax, self.judged_m2)),
            output_per_mu: judged.then(|| per_mu(output, self.judged_m2)),
            investment_per_mu: judged.then(|| per_mu(investment, self.judged_m2)),
            floor_area_m2: self.floor_m2,
            floor_known_area_mu: m2_to_mu(self.floor_land_m2),
            floor_unknown_count: self.floor_unknown,
            plot_ratio: (self.floor_land_m2 > 0.0).then(|| self.floor_m2 / self.floor_land_m2),
            footprint_m2: self.footprint_m2,
            footprint_known_area_mu: m2_to_mu(self.footprint_land_m2),
            footprint_unknown_count: self.footprint_unknown,
            building_density: (self.footprint_land_m2 > 0.0)
                .then(|| self.footprint_m2 / self.footprint_land_m2),
            by_reason: (Reason::ALL.iter().zip(&self.reasons))
                .filter(|(_, (n, _))| *n > 0)
                .map(|(&reason, &(count, m2))| ReasonTally {
                    reason,
                    count,
                    area_mu: m2_to_mu(m2),
                })
                .collect(),
        }
    }
}

/// What is built on a parcel, as far as its own record and its tenants tell.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Built {
    /// The parcel's recorded floor area, m² (else its tenants', from the tally).
    pub(crate) own_floor_m2: Option<f64>,
    /// Its building footprint, m² (its own, its recorded density × its area, or its tenants').
    pub(crate) footprint_m2: Option<f64>,
}

/// The roll-ups of the parks (row-aligned with the parks table; parcels in no park are in the
/// zone's alone) and of the zone. `footprint` gives a parcel's building footprint by row.
pub(crate) fn rollups(
    figures: &[Figures],
    tallies: &[Tally],
    parcels: &Parcels,
    park_count: usize,
    footprint: &dyn Fn(usize) -> Option<f64>,
) -> (Vec<Rollup>, Rollup) {
    let mut parks = vec![RollupAcc::default(); park_count];
    let mut zone = RollupAcc::default();
    for (row, f) in figures.iter().enumerate() {
        let Some(tally) = tallies.get(row) else {
            continue;
        };
        let built = Built {
            own_floor_m2: parcels.get(row).floor_area_m2(),
            footprint_m2: if f.unsure { None } else { footprint(row) },
        };
        zone.add(f, tally, built);
        if let Some(acc) = parks.get_mut(f.park as usize) {
            acc.add(f, tally, built);
        }
    }
    (parks.iter().map(RollupAcc::finish).collect(), zone.finish())
}

/// Each park's rank by tax per mu (1 the highest; ties share the better rank), `None` for a
/// park with no judged land.
pub fn rank_by_tax_per_mu(rollups: &[Rollup]) -> Vec<Option<usize>> {
    (rollups.iter())
        .map(|r| {
            let mine = r.tax_per_mu?;
            let above = (rollups.iter())
                .filter(|o| o.tax_per_mu.is_some_and(|t| t > mine))
                .count();
            Some(above + 1)
        })
        .collect()
}

/// An indicator of TD/T 1029-2017 (开发区土地集约利用评价规程) that the audit's inputs cannot
/// give, and the input it would need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NotComputed {
    /// The indicator, in English.
    pub indicator: &'static str,
    /// Its name in the standard.
    pub name_zh: &'static str,
    /// What input it needs.
    pub needs: &'static str,
}

/// The TD/T 1029 indicators the audit does not compute, with the input each needs.
pub const NOT_COMPUTED: [NotComputed; 5] = [
    NotComputed {
        indicator: "land_development_rate",
        name_zh: "土地开发率",
        needs: "the zone's approved area and its area supplied for construction (达到供地条件的土地面积)",
    },
    NotComputed {
        indicator: "land_supply_rate",
        name_zh: "土地供应率",
        needs: "the area supplied by the state (已供应国有建设用地面积) beside the area ready for supply",
    },
    NotComputed {
        indicator: "land_built_rate",
        name_zh: "土地建成率",
        needs: "the area built on among the area supplied (已建成城镇建设用地面积)",
    },
    NotComputed {
        indicator: "industrial_land_share",
        name_zh: "工业用地率",
        needs: "every built-up parcel of the zone with its land use (not only the industrial parcels audited)",
    },
    NotComputed {
        indicator: "idle_land_disposal_rate",
        name_zh: "闲置土地处置率",
        needs: "the legal idle-land register (闲置土地认定) and the disposals of the year",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn r(tax: Option<f64>) -> Rollup {
        Rollup {
            tax_per_mu: tax,
            ..Rollup::default()
        }
    }

    #[test]
    fn ranks_share_ties_and_skip_parks_without_land() {
        let ranks = rank_by_tax_per_mu(&[r(Some(10.0)), r(None), r(Some(30.0)), r(Some(10.0))]);
        assert_eq!(ranks, [Some(2), None, Some(1), Some(2)]);
    }
}
