//! The land tests beside the per-mu minimums: dates (闲置, 停产, 未纳税, 标准地 after completion),
//! maximums and ranges of the land's form (容积率, 建筑密度, 绿地率), and negative-list flags.
//!
//! Each test is its own [`Reason`]. A date test needs the audit's date (`[audit] as_of`) and the
//! parcel's date; without either it gives no reason. A period of N years from a date is full
//! on its anniversary, the audit date read as the end of its day ([`Date::full_years_by`]).

use crate::dates::Date;
use crate::parcel::{Commitments, LandFacts, NegativeFlag};
use crate::rules::{Figures, LowEfficiencyConfig, Minimum, Reason, Reasons, Thresholds, exceeds};

/// What the land tests read of one parcel.
#[derive(Debug, Clone, Copy)]
pub struct LandCase<'a> {
    /// The parcel's own land facts.
    pub facts: &'a LandFacts,
    /// Negative-list flags from a table (the parcel's or its tenants'), in the order of
    /// [`NegativeFlag::ALL`].
    pub listed: [bool; 3],
    /// The per-mu figures and plot ratio.
    pub figures: &'a Figures,
    /// Its contract commitments.
    pub commitments: &'a Commitments,
    /// Its area, m².
    pub area_m2: f64,
    /// Its tenants' footprints summed, m², when every tenant gives one (and it has tenants).
    pub tenant_footprint_m2: Option<f64>,
}

/// The land reasons of a parcel held to thresholds `t`, as of `as_of`.
///
/// ```
/// use land_efficiency::{Commitments, Date, LandFacts, LowEfficiencyConfig, Reason};
/// use land_efficiency::{LandCase, land_reasons};
/// let facts = LandFacts { stopped_since: Date::parse("2023-12-31"), ..LandFacts::default() };
/// let case = LandCase { facts: &facts, listed: [false; 3], figures: &Default::default(),
///     commitments: &Commitments::default(), area_m2: 10_000.0, tenant_footprint_m2: None };
/// let config = LowEfficiencyConfig::default();
/// let t = config.thresholds_for(&Default::default());
/// let on = |d| land_reasons(&case, &t, &config, Date::parse(d)).to_vec();
/// assert_eq!(on("2024-12-30"), vec![]);
/// assert_eq!(on("2024-12-31"), vec![Reason::ProductionStopped]);
/// ```
pub fn land_reasons(
    case: &LandCase<'_>,
    t: &Thresholds,
    config: &LowEfficiencyConfig,
    as_of: Option<Date>,
) -> Reasons {
    let mut reasons = Reasons::default();
    if let Some(as_of) = as_of {
        date_reasons(&mut reasons, case, t, config, as_of);
    }
    form_reasons(&mut reasons, case, t);
    for (flag, reason) in NegativeFlag::ALL.into_iter().zip([
        Reason::EliminatedIndustry,
        Reason::SafetyOrder,
        Reason::EnvironmentOrder,
    ]) {
        if case.facts.has(flag) || case.listed[flag as usize] {
            reasons.push(reason);
        }
    }
    reasons
}

/// The date reasons as of `as_of`.
fn date_reasons(
    reasons: &mut Reasons,
    case: &LandCase<'_>,
    t: &Thresholds,
    config: &LowEfficiencyConfig,
    as_of: Date,
) {
    let f = case.facts;
    let full = |date: Option<Date>, years: u32| date.is_some_and(|d| d.full_years_by(years, as_of));
    // Started on or before the audit date: not idle, however late it started.
    let started = f.actual_start.is_some_and(|d| d <= as_of);
    if !started && full(f.contract_start, config.not_started_years) {
        reasons.push(Reason::NotStarted);
    }
    if full(f.stopped_since, config.stopped_years) {
        reasons.push(Reason::ProductionStopped);
    }
    if full(f.last_tax, config.no_tax_years) {
        reasons.push(Reason::NoTax);
    }
    if full(f.completion, config.completion_years) {
        if contract_missed(case, t.contract_shortfall) {
            reasons.push(Reason::ContractAfterCompletion);
        }
        if contract_missed(case, 1.0) {
            reasons.push(Reason::StandardLandBreach);
        }
    }
}

/// True when some contracted figure is strictly below `fraction` × its commitment (a plot
/// ratio that cannot be computed is never below).
fn contract_missed(case: &LandCase<'_>, fraction: f64) -> bool {
    let (c, f) = (case.commitments, case.figures);
    [
        (c.investment_per_mu, Some(f.investment_per_mu)),
        (c.tax_per_mu, Some(f.tax_per_mu)),
        (c.output_per_mu, Some(f.output_per_mu)),
        (c.plot_ratio, f.plot_ratio),
    ]
    .into_iter()
    .any(|pair| match pair {
        (Some(c), Some(a)) => Minimum(fraction * c).is_missed_by(a),
        _ => false,
    })
}

/// The reasons of the land's form: plot ratio over its maximum, building density outside its
/// range, green-space ratio over its maximum.
fn form_reasons(reasons: &mut Reasons, case: &LandCase<'_>, t: &Thresholds) {
    if let (Some(pr), Some(max)) = (case.figures.plot_ratio, t.max_plot_ratio)
        && exceeds(pr, max)
    {
        reasons.push(Reason::PlotRatioOver);
    }
    if let Some(density) = building_density(case.facts, case.tenant_footprint_m2, case.area_m2) {
        let (min, max) = t.building_density;
        if min.is_some_and(|m| Minimum(m).is_missed_by(density))
            || max.is_some_and(|m| exceeds(density, m))
        {
            reasons.push(Reason::BuildingDensity);
        }
    }
    if let (Some(g), Some(max)) = (case.facts.green_ratio, t.max_green_ratio)
        && exceeds(g, max)
    {
        reasons.push(Reason::GreenRatio);
    }
}

/// A parcel's building density (建筑密度): its own footprint ÷ its area when given, else its
/// recorded density, else its tenants' footprints (`tenant_footprint_m2`, summed) ÷ its area;
/// `None` with none of them.
///
/// ```
/// use land_efficiency::{LandFacts, building_density};
/// let own = LandFacts { footprint_m2: Some(3_000.0), ..LandFacts::default() };
/// assert_eq!(building_density(&own, Some(5_000.0), 10_000.0), Some(0.3));
/// assert_eq!(building_density(&LandFacts::default(), Some(5_000.0), 10_000.0), Some(0.5));
/// assert_eq!(building_density(&LandFacts::default(), None, 10_000.0), None);
/// ```
pub fn building_density(
    facts: &LandFacts,
    tenant_footprint_m2: Option<f64>,
    area_m2: f64,
) -> Option<f64> {
    let share = |footprint: f64| (area_m2 > 0.0).then(|| footprint / area_m2);
    match (facts.footprint_m2, facts.building_density) {
        (Some(footprint), _) => share(footprint),
        (None, Some(density)) => Some(density),
        (None, None) => share(tenant_footprint_m2?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ParcelFacts;

    fn d(s: &str) -> Option<Date> {
        Date::parse(s)
    }

    fn reasons(facts: &LandFacts, figures: &Figures, c: &Commitments, as_of: &str) -> Vec<Reason> {
        let config = LowEfficiencyConfig {
            max_plot_ratio: Some(1.8),
            min_building_density: Some(0.35),
            max_building_density: Some(0.65),
            max_green_ratio: Some(0.2),
            ..LowEfficiencyConfig::default()
        };
        let t = config.thresholds_for(&ParcelFacts::default());
        let case = LandCase {
            facts,
            listed: [false; 3],
            figures,
            commitments: c,
            area_m2: 10_000.0,
            tenant_footprint_m2: None,
        };
        land_reasons(&case, &t, &config, d(as_of)).to_vec()
    }

    #[test]
    fn not_started_unless_started_by_the_audit_date() {
        let none = (Figures::default(), Commitments::default());
        let mut f = LandFacts {
            contract_start: d("2023-06-30"),
            ..LandFacts::default()
        };
        assert_eq!(reasons(&f, &none.0, &none.1, "2024-06-29"), vec![]);
        assert_eq!(
            reasons(&f, &none.0, &none.1, "2024-06-30"),
            vec![Reason::NotStarted]
        );
        f.actual_start = d("2024-12-31");
        assert_eq!(reasons(&f, &none.0, &none.1, "2024-12-31"), vec![]);
        // A start after the audit date is no start as of it.
        assert_eq!(
            reasons(&f, &none.0, &none.1, "2024-12-30"),
            vec![Reason::NotStarted]
        );
    }

    #[test]
    fn density_from_the_footprint_before_the_recorded_one() {
        let f = LandFacts {
            footprint_m2: Some(3_000.0),
            building_density: Some(0.5),
            ..LandFacts::default()
        };
        assert_eq!(building_density(&f, Some(9_000.0), 10_000.0), Some(0.3));
        let none = (Figures::default(), Commitments::default());
        assert_eq!(
            reasons(&f, &none.0, &none.1, "2024-12-31"),
            vec![Reason::BuildingDensity]
        );
        // At the edges of the range: within it.
        for footprint in [3_500.0, 6_500.0] {
            let f = LandFacts {
                footprint_m2: Some(footprint),
                ..LandFacts::default()
            };
            assert_eq!(reasons(&f, &none.0, &none.1, "2024-12-31"), vec![]);
        }
    }
}
