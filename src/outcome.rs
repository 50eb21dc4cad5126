//! What the stages of an audit leave for each parcel and enterprise, row-aligned with the
//! tables: filled in once by the stage that knows it (areas, parks, join, classify, grade, year
//! on year) and read by the results, never recomputed. The per-mu figures are the stored sums
//! over the stored area, by the function the classification used ([`Tally`] says why).

use serde::Serialize;

use crate::metrics::ParcelSums;
use crate::parcel::{AreaSource, Class, Enterprises};
use crate::rules::Reasons;

/// What the audit decided for each evaluated parcel (row-aligned with the parcels table): at
/// most 40 bytes. Its tenants' sums are in a [`Tally`] of their own, made by the classify
/// stage.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Figures {
    pub(crate) area_m2: f64,
    /// Row of its park in the parks table, `u32::MAX` for none.
    pub(crate) park: u32,
    /// Index into [`AuditReport::rule_sets`].
    pub(crate) rule_set: u32,
    pub(crate) reasons: Reasons,
    pub(crate) area_source: AreaSource,
    /// No enterprise, or zero output (kept: the park and summary figures count it).
    pub(crate) idle: bool,
    pub(crate) class: Option<Class>,
    /// The enterprise row whose class is [`Figures::class`] (its main tenant);
    /// [`NO_TENANT`] when it has none.
    pub(crate) class_tenant: u32,
    pub(crate) previous: Option<bool>,
    pub(crate) change: Option<Change>,
    /// Its tenants' figures leave a firm out (rejected, or ambiguous between parcels): it is
    /// not judged on them, not idle, its tenants not graded and its change unknown.
    pub(crate) unsure: bool,
    /// The enterprise row whose industry the rules saw, the parcel having none of its own (its
    /// main tenant); [`NO_TENANT`] when the industry was the parcel's, or there was none.
    pub(crate) industry_tenant: u32,
}

/// No enterprise: see [`Figures::industry_tenant`].
pub(crate) const NO_TENANT: u32 = u32::MAX;

/// A parcel's tenants' sums, added up once by the classify stage and read by every accessor
/// and writer: 32 bytes (an absent floor area NaN). The per-mu figures are these sums over the
/// parcel's area, by the one function the classification used
/// ([`intensities`](crate::metrics::intensities)), so every reader sees the very bits the
/// parcel was classified on; storing them too would cost 40 bytes a parcel more (40 MB at a
/// million parcels, past the memory the audit keeps to).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tally {
    /// The tenants' tax, investment and output, 万元.
    money: [f64; 3],
    /// The tenants' floor area, m² (NaN when any tenant has none).
    floor_m2: f64,
}

impl Tally {
    /// The tally of these sums.
    pub(crate) fn new(sums: &ParcelSums) -> Tally {
        Tally {
            money: [sums.tax, sums.investment, sums.output],
            floor_m2: sums.floor_area_m2.unwrap_or(f64::NAN),
        }
    }

    /// The sums of a parcel with `enterprise_count` tenants.
    pub(crate) fn sums(&self, enterprise_count: usize) -> ParcelSums {
        let [tax, investment, output] = self.money;
        ParcelSums {
            enterprise_count,
            tax,
            investment,
            output,
            floor_area_m2: some(self.floor_m2),
        }
    }
}

/// NaN as `None`.
fn some(v: f64) -> Option<f64> {
    (!v.is_nan()).then_some(v)
}

/// The sums of a parcel's tenants, added in enterprise order.
pub(crate) fn sums_of(tenants: &[u32], enterprises: &Enterprises) -> ParcelSums {
    let mut s = ParcelSums::default();
    for &e in tenants {
        let [tax, investment, output] = enterprises.money(e as usize);
        s.add_figures(
            tax,
            investment,
            output,
            enterprises.floor_area_m2(e as usize),
        );
    }
    s
}

pub(crate) const NO_PARK: u32 = u32::MAX;

/// Thresholds applied to some parcels, with the names of the rules that set them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RuleSet {
    pub(crate) thresholds: AppliedThresholds,
    pub(crate) rules: Vec<String>,
    /// Whether each of `rules` matches on industry: for a parcel whose industry is its main
    /// tenant's ([`Figures::industry_tenant`]), its `rules` say so there.
    pub(crate) by_industry: Vec<bool>,
}

/// Enterprises joined to each parcel, compressed: `rows[offsets[p]..offsets[p + 1]]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tenants {
    pub(crate) offsets: Vec<u32>,
    pub(crate) rows: Vec<u32>,
}

/// An enterprise's join: how, and to which parcel row (or the candidates, for an ambiguous one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JoinState {
    pub(crate) kind: JoinKind,
    pub(crate) parcel: u32,
}

/// How an enterprise was joined to a parcel, as written in `enterprises.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinKind {
    /// By its `parcel_id`.
    ByKey,
    /// By its point, in exactly one parcel.
    ByLocation,
    /// In no parcel (or its key names no parcel).
    Unmatched,
    /// In two or more overlapping parcels: not joined.
    Ambiguous,
}

/// The minimums a parcel was held to.
///
/// # Units
/// 万元/亩, plot ratio dimensionless.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AppliedThresholds {
    /// Minimum investment per mu.
    pub min_investment_per_mu: f64,
    /// Minimum tax per mu.
    pub min_tax_per_mu: f64,
    /// Minimum output per mu.
    pub min_output_per_mu: f64,
    /// Minimum plot ratio.
    pub min_plot_ratio: f64,
    /// Contract shortfall fraction.
    pub contract_shortfall: f64,
}

impl Figures {
    /// Whether it is low is not known: its tenants are incomplete ([`Figures::unsure`]) and its
    /// own figures do not make it low. Left out of the ratios; it has no change.
    pub(crate) fn unjudged(&self) -> bool {
        self.unsure && self.reasons.is_empty()
    }

    pub(crate) fn new(area_m2: f64, area_source: AreaSource) -> Self {
        Figures {
            area_m2,
            park: NO_PARK,
            rule_set: 0,
            reasons: Reasons::default(),
            area_source,
            idle: false,
            class: None,
            class_tenant: NO_TENANT,
            previous: None,
            change: None,
            unsure: false,
            industry_tenant: NO_TENANT,
        }
    }
}

impl Tenants {
    pub(crate) fn of(&self, parcel: usize) -> &[u32] {
        if self.offsets.is_empty() {
            return &[];
        }
        &self.rows[self.offsets[parcel] as usize..self.offsets[parcel + 1] as usize]
    }
}

impl JoinKind {
    /// The name written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            JoinKind::ByKey => "by_key",
            JoinKind::ByLocation => "by_location",
            JoinKind::Unmatched => "unmatched",
            JoinKind::Ambiguous => "ambiguous",
        }
    }
}

/// How a parcel's status changed since the previous audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Low now, not low before.
    BecameLow,
    /// Not low now, low before.
    Recovered,
    /// Low both times.
    StillLow,
    /// Not low either time.
    StillOk,
    /// Not in the previous audit.
    New,
}

impl Change {
    /// The name written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::BecameLow => "became_low",
            Change::Recovered => "recovered",
            Change::StillLow => "still_low",
            Change::StillOk => "still_ok",
            Change::New => "new",
        }
    }

    /// The change from `before` (absent: new) to `now`.
    pub fn between(before: Option<bool>, now: bool) -> Change {
        match (before, now) {
            (None, _) => Change::New,
            (Some(false), true) => Change::BecameLow,
            (Some(true), false) => Change::Recovered,
            (Some(true), true) => Change::StillLow,
            (Some(false), false) => Change::StillOk,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parcel_s_outcome_stays_within_72_bytes() {
        // 40 since the land reasons took `Reasons` to four bytes (21 reasons): 8 MB more for a
        // million parcels.
        assert!(std::mem::size_of::<Figures>() <= 40);
        assert!(std::mem::size_of::<Tally>() <= 32);
    }

    #[test]
    fn a_change_is_last_year_against_this_year() {
        assert_eq!(Change::between(Some(false), true), Change::BecameLow);
        assert_eq!(Change::between(Some(true), false), Change::Recovered);
        assert_eq!(Change::between(None, true), Change::New);
        assert_eq!(Change::between(Some(true), true), Change::StillLow);
        assert_eq!(Change::between(Some(false), false), Change::StillOk);
    }
}
