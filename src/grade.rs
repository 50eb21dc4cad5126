//! The composite evaluation of enterprises (亩均效益综合评价).
//!
//! Each graded enterprise gets, per configured indicator, `weight × min(value / benchmark, cap)`
//! (no cap unless one is set), and a score that is their sum: Huangyan's ratio-to-benchmark
//! method (黄岩区 亩均效益综合评价). A benchmark is a number (the published divisor) or
//! `"mean"`, the mean value of the indicator over the graded enterprises of the group that have
//! it. An indicator that cannot be computed (its data is missing, or its denominator is zero or
//! so near it that the quotient is past f64)
//! is handled as `missing` says: `group_mean` gives the group's average score for that indicator
//! (Huangyan's rule for missing emission data), `zero` gives 0, `reweight` drops it and scales
//! the other weights up to the same total.
//!
//! Land: a sole occupant has its parcel's area; tenants of one parcel share it by floor area
//! (`land_share = "floor_area"`, equal shares when any tenant has no floor area) or equally.
//!
//! Groups: above-scale (规上) and below-scale (规下) enterprises are graded apart with their own
//! indicators (`pooled = false`, the default), or together with the `all` indicators. An
//! enterprise with no `above_scale` value is below scale.
//!
//! Classes: by percentile bands (`bands = [0.25, 0.70, 0.95]`: A for the top 25%, B to 70%,
//! C to 95%, D the rest) or by score thresholds (`thresholds = [A, B, C]` minimum scores).
//! Percentile tie rule: enterprises are ranked by score, highest first, with equal scores sharing
//! the best rank among them (competition ranking, "1224"; scores within [`SCORE_TIE`], relative,
//! of the first of a tie are equal); an enterprise of rank r in a group of
//! n is A when r/n ≤ bands\[0\], B when r/n ≤ bands\[1\], C when r/n ≤ bands\[2\], else D. So tied
//! enterprises always share a class, and a tie across a band edge lifts all of them.
//!
//! With `quota_rounding`, each band's share of the n firms ranked becomes a whole number of
//! firms, rounded down (the default, the rule above), up, or to the nearest; a firm of rank r
//! is A when r ≤ the A quota, and so on.
//!
//! Official methods' additions (`adjust.rs`): bonus and penalty items added to the score
//! before ranking, capped by `max_bonus` and `max_penalty`; forced classes (一票否决 → D,
//! straight to A, managed as B: scored with the unit, not ranked) and firms left out (免评,
//! 暂缓, 不评价) with their reason; ranking units (`group_by`: park, or the firm's `unit`),
//! each graded on its own; `scope` keeping every 规上 firm whatever its land.
//!
//! Not graded (listed with the reason, no class): exempt enterprises (免评), enterprises left
//! out by the adjustments table, joined to no parcel, with less land than `min_land_mu` (unless
//! the scope keeps them), or in a group with no indicators.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::adjust::{Adjustment, FirmAdjustments, Forced, applied_adjustment};
use crate::outcome::{Figures, Tenants};
use crate::parcel::{Class, Enterprise, Enterprises, GradingValues};
use crate::quota::{QuotaRounding, quota};
use crate::rules::Minimum;
use crate::units::m2_to_mu;

/// An indicator of the composite evaluation.
///
/// # Units
/// Per mu: 万元/亩; labour productivity 万元/人; per energy 万元/tce; per emission 万元/t;
/// R&D intensity a fraction of output; per electricity 万元/万kWh.
///
/// ```
/// use land_efficiency::{Enterprise, Indicator};
/// let e = Enterprise { tax: 60.0, output: 900.0, energy_tce: Some(30.0), emissions_t: Some(4.5),
///                      ..Enterprise::default() };
/// assert_eq!(Indicator::TaxPerEnergy.value(&e, 15.0), Some(2.0));
/// assert_eq!(Indicator::OutputPerEnergy.value(&e, 15.0), Some(30.0));
/// assert_eq!(Indicator::OutputPerEmission.value(&e, 15.0), Some(200.0));
/// assert_eq!(Indicator::OutputPerMu.value(&e, 15.0), Some(60.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// 亩均税收: tax / land, 万元/亩.
    TaxPerMu,
    /// 亩均增加值: value added / land, 万元/亩.
    ValueAddedPerMu,
    /// 亩均产出 (营业收入), also 亩均销售收入 (`revenue_per_mu`, Jiangsu, Shandong): output /
    /// land, 万元/亩. The `output` column holds 产值 or 营业收入, as the zone's data has it.
    #[serde(alias = "revenue_per_mu")]
    OutputPerMu,
    /// 亩均投资: investment / land, 万元/亩.
    InvestmentPerMu,
    /// 全员劳动生产率: value added / employees, 万元/人.
    LabourProductivity,
    /// 单位能耗增加值: value added / energy, 万元/tce.
    ValueAddedPerEnergy,
    /// 单位排放增加值: value added / emissions, 万元/t.
    ValueAddedPerEmission,
    /// R&D经费支出占主营业务收入比重: R&D spending / output, a fraction.
    RdIntensity,
    /// 单位电耗税收: tax / electricity, 万元/万kWh.
    TaxPerElectricity,
    /// 单位能耗税收: tax / energy, 万元/tce.
    TaxPerEnergy,
    /// 单位能耗营业收入 (Jingde): output / energy, 万元/tce.
    OutputPerEnergy,
    /// 单位污染物排放营业收入 (Jingde): output / emissions, 万元/t.
    OutputPerEmission,
}

impl Indicator {
    /// The name written in outputs (`tax_per_mu`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::TaxPerMu => "tax_per_mu",
            Indicator::ValueAddedPerMu => "value_added_per_mu",
            Indicator::OutputPerMu => "output_per_mu",
            Indicator::InvestmentPerMu => "investment_per_mu",
            Indicator::LabourProductivity => "labour_productivity",
            Indicator::ValueAddedPerEnergy => "value_added_per_energy",
            Indicator::ValueAddedPerEmission => "value_added_per_emission",
            Indicator::RdIntensity => "rd_intensity",
            Indicator::TaxPerElectricity => "tax_per_electricity",
            Indicator::TaxPerEnergy => "tax_per_energy",
            Indicator::OutputPerEnergy => "output_per_energy",
            Indicator::OutputPerEmission => "output_per_emission",
        }
    }

    /// The indicator's value for an enterprise with `land_mu` of land; `None` when its data is
    /// missing or its denominator is zero, or so near zero that the quotient is past `f64`
    /// (10 000 万元 over 1e-306 tce): an infinite value would make the group's mean infinite
    /// and every other firm's points on it 0.
    pub fn value(self, e: &Enterprise, land_mu: f64) -> Option<f64> {
        let ratio = |num: Option<f64>, den: Option<f64>| match (num, den) {
            (Some(n), Some(d)) if d > 0.0 => Some(n / d).filter(|v| v.is_finite()),
            _ => None,
        };
        let land = Some(land_mu);
        match self {
            Indicator::TaxPerMu => ratio(Some(e.tax), land),
            Indicator::ValueAddedPerMu => ratio(e.value_added, land),
            Indicator::OutputPerMu => ratio(Some(e.output), land),
            Indicator::InvestmentPerMu => ratio(Some(e.investment), land),
            Indicator::LabourProductivity => ratio(e.value_added, e.employees),
            Indicator::ValueAddedPerEnergy => ratio(e.value_added, e.energy_tce),
            Indicator::ValueAddedPerEmission => ratio(e.value_added, e.emissions_t),
            Indicator::RdIntensity => ratio(e.rd_spend, Some(e.output)),
            Indicator::TaxPerElectricity => ratio(Some(e.tax), e.electricity_10k_kwh),
            Indicator::TaxPerEnergy => ratio(Some(e.tax), e.energy_tce),
            Indicator::OutputPerEnergy => ratio(Some(e.output), e.energy_tce),
            Indicator::OutputPerEmission => ratio(Some(e.output), e.emissions_t),
        }
    }
}

impl Indicator {
    /// The values of an enterprise, besides tax, investment, output and land, it is computed
    /// from.
    pub(crate) fn reads(self) -> GradingValues {
        use GradingValues as V;
        match self {
            Indicator::TaxPerMu | Indicator::OutputPerMu | Indicator::InvestmentPerMu => V::NONE,
            Indicator::ValueAddedPerMu => V::VALUE_ADDED,
            Indicator::LabourProductivity => V::VALUE_ADDED.with(V::EMPLOYEES),
            Indicator::ValueAddedPerEnergy => V::VALUE_ADDED.with(V::ENERGY),
            Indicator::ValueAddedPerEmission => V::VALUE_ADDED.with(V::EMISSIONS),
            Indicator::RdIntensity => V::RD_SPEND,
            Indicator::TaxPerElectricity => V::ELECTRICITY,
            Indicator::TaxPerEnergy | Indicator::OutputPerEnergy => V::ENERGY,
            Indicator::OutputPerEmission => V::EMISSIONS,
        }
    }
}

/// A benchmark: a published value, the group's mean, or last year's group mean times a factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Benchmark {
    /// A fixed value, in the indicator's unit.
    Value(f64),
    /// The mean of the indicator over the graded enterprises of the group that have it.
    Mean,
    /// The previous audit's mean of the indicator over the group's graded enterprises, times
    /// this factor (Huai'an 淮政办发〔2018〕39号: 基准值 = 上年度同类企业平均值 × 系数), written
    /// `{ previous_mean = 1.0 }`. Resolved to a value from the previous audit's
    /// `enterprises.csv` before grading ([`EvaluationConfig::with_previous_means`]).
    PreviousMean(f64),
}

impl Serialize for Benchmark {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Benchmark::Value(v) => s.serialize_f64(*v),
            Benchmark::Mean => s.serialize_str("mean"),
            Benchmark::PreviousMean(f) => {
                use serde::ser::SerializeMap;
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("previous_mean", f)?;
                m.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Benchmark {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'v> serde::de::Visitor<'v> for V {
            type Value = Benchmark;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, \"mean\" or { previous_mean = FACTOR }")
            }
            fn visit_map<A: serde::de::MapAccess<'v>>(
                self,
                mut map: A,
            ) -> Result<Benchmark, A::Error> {
                let mut factor = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key != "previous_mean" || factor.is_some() {
                        return Err(serde::de::Error::unknown_field(&key, &["previous_mean"]));
                    }
                    factor = Some(map.next_value::<f64>()?);
                }
                factor
                    .map(Benchmark::PreviousMean)
                    .ok_or_else(|| serde::de::Error::missing_field("previous_mean"))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Benchmark, E> {
                Ok(Benchmark::Value(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Benchmark, E> {
                Ok(Benchmark::Value(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Benchmark, E> {
                Ok(Benchmark::Value(v as f64))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Benchmark, E> {
                if v == "mean" {
                    Ok(Benchmark::Mean)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(v), &self))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// One indicator of a group's scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorConfig {
    /// Which indicator.
    pub indicator: Indicator,
    /// Its weight (points at the benchmark).
    pub weight: f64,
    /// Its benchmark (divisor): a number, `"mean"` or `{ previous_mean = FACTOR }`; default
    /// `"mean"`. Not read with `scoring = "min_max"`.
    #[serde(default = "mean_benchmark")]
    pub benchmark: Benchmark,
    /// Its cap on value/benchmark (> 0), overriding `[evaluation] cap`.
    #[serde(default)]
    pub cap: Option<f64>,
}

fn mean_benchmark() -> Benchmark {
    Benchmark::Mean
}

/// How an indicator's value becomes points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// `weight × min(value / benchmark, cap)` (Huangyan, Huai'an): the default.
    #[default]
    Benchmark,
    /// `weight × (floor + (1 − floor) × (value − min) / (max − min))` over the graded firms of
    /// the ranking unit that have the value (Jingde: floor 0.2, so 20 + 80 × ...). When every
    /// firm has the same value (max = min) each gets the full weight: the source does not say.
    MinMax,
}

/// A group's indicators, and its caps on the bonus and penalty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupConfig {
    /// The indicators, with weights and benchmarks.
    pub indicators: Vec<IndicatorConfig>,
    /// Cap on a firm's total bonus in this group, points, overriding `[evaluation]
    /// max_bonus`; default that.
    pub max_bonus: Option<f64>,
    /// Cap on a firm's total penalty in this group, points, overriding `[evaluation]
    /// max_penalty`; default that.
    pub max_penalty: Option<f64>,
}

/// How tenants of one parcel share its land.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LandShare {
    /// By floor area; equal shares when any tenant has none.
    #[default]
    FloorArea,
    /// Equal shares.
    Equal,
}

/// How an indicator that cannot be computed is scored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// The group's average score for that indicator (Huangyan's rule).
    #[default]
    GroupMean,
    /// Zero.
    Zero,
    /// Dropped, the other weights scaled up to the same total.
    Reweight,
}

/// How classes are cut.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassMethod {
    /// By rank within the group: `bands` are cumulative shares for A, B, C.
    #[default]
    Percentile,
    /// By score: `thresholds` are the minimum scores for A, B, C.
    Score,
}

/// Whom `min_land_mu` leaves out of the evaluation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every firm on less land than `min_land_mu` (the default).
    #[default]
    MinLand,
    /// 规下 firms on less land than `min_land_mu`: every 规上 firm is in scope.
    AboveScaleOrMinLand,
}

/// What firms are ranked within, inside their group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankingUnit {
    /// The park of the firm's parcel (its `park_id`); firms outside any park are one unit.
    Park,
    /// The firm's `unit` field (a county, street or park, as `[fields.enterprises] unit`
    /// maps it); firms without one are one unit.
    Unit,
}

/// What the evaluation knows of a firm besides its record and land: its ranking unit and
/// what the adjustments table says of it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standing<'a> {
    /// Its ranking unit, when `group_by` is set (`None`: the firms with none, one unit).
    pub unit: Option<&'a str>,
    /// Its items and forced class, when the table names it.
    pub adjustments: Option<&'a FirmAdjustments>,
}

/// `[evaluation]`: the composite evaluation of enterprises (亩均效益综合评价).
///
/// ```
/// let config = land_efficiency::Config::from_toml(r#"
/// [evaluation]
/// classes = "score"
/// thresholds = [120.0, 100.0, 80.0]
/// [evaluation.above_scale]
/// indicators = [
///   { indicator = "tax_per_mu", weight = 60, benchmark = 24.097 },
///   { indicator = "value_added_per_mu", weight = 40, benchmark = "mean", cap = 2.0 },
/// ]
/// "#).unwrap();
/// assert_eq!(config.evaluation.unwrap().above_scale.unwrap().indicators.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvaluationConfig {
    /// Grade above- and below-scale enterprises together (with `all`); default false.
    pub pooled: bool,
    /// How tenants share a parcel's land; default `floor_area`.
    pub land_share: LandShare,
    /// How a missing indicator is scored; default `group_mean`.
    pub missing: Missing,
    /// Cap on value/benchmark for every indicator (> 0); default none.
    pub cap: Option<f64>,
    /// How values become points: `benchmark` (default) or `min_max`.
    pub scoring: Scoring,
    /// With `min_max`, the share of an indicator's weight the lowest value still earns, in
    /// [0, 1); default 0. Jingde's 20 + 80 × (x − min)/(max − min) out of 100 is 0.2.
    pub min_max_floor: f64,
    /// `percentile` (default) or `score`.
    pub classes: ClassMethod,
    /// Cumulative shares of A, B and C for `percentile`; default [0.25, 0.70, 0.95].
    pub bands: Vec<f64>,
    /// Minimum scores of A, B and C for `score` (refused with `percentile`, which would not
    /// use them).
    pub thresholds: Vec<f64>,
    /// Enterprises with less land than this are not graded, mu; default 0 (Zhejiang uses 5).
    pub min_land_mu: f64,
    /// Whom `min_land_mu` leaves out: `min_land` (default: every firm under it) or
    /// `above_scale_or_min_land` (every 规上 firm is in scope, and 规下 firms on at least
    /// `min_land_mu`: Hefei's 规上 + 规下 ≥ 5 亩).
    pub scope: Scope,
    /// Ranking units within each group: none (default: the group is one unit), `park` (the
    /// park of the firm's parcel; firms outside any park are one unit) or `unit` (the firm's
    /// `unit` field: a county, street or park as the table names it). Each unit is graded on
    /// its own: its own means, ranks and class quotas.
    pub group_by: Option<RankingUnit>,
    /// How a band's share of a unit becomes a number of firms: `floor` (default), `ceil` or
    /// `round` (half up). The A quota of 10 firms at 25% is 2, 3 and 3 (2.5 rounded up).
    pub quota_rounding: QuotaRounding,
    /// The adjustments table (加分/减分 items and forced classes), a CSV; relative to the
    /// configuration file's folder when read by [`Config::from_path`]. Default none.
    ///
    /// [`Config::from_path`]: crate::config::Config::from_path
    pub adjustments: Option<std::path::PathBuf>,
    /// The evaluation year, for `defer_years`; default none.
    pub year: Option<i32>,
    /// When ≥ 1: a firm producing fewer years than this (`year` − its `start_year`) is deferred
    /// (暂缓评价), unless the adjustments table gives it a forced class; default 0, off.
    /// Hefei defers firms < 3 years from registration.
    pub defer_years: u32,
    /// Cap on a firm's total bonus (加分), points; default none.
    pub max_bonus: Option<f64>,
    /// Cap on a firm's total penalty (减分), points (a positive number); default none.
    pub max_penalty: Option<f64>,
    /// When ≥ 1: an enterprise graded D this many years running (this year included, from the
    /// previous audit's class history) makes its parcel low-efficiency (`repeated_class_d`);
    /// default 0, off. Yangzhou uses 2.
    pub d_years_low_efficiency: u32,
    /// Indicators of the above-scale group (规上).
    pub above_scale: Option<GroupConfig>,
    /// Indicators of the below-scale group (规下).
    pub below_scale: Option<GroupConfig>,
    /// Indicators of the pooled group (`pooled = true`; refused otherwise, as `above_scale`
    /// and `below_scale` are with `pooled = true`). Each indicator is listed once in a group.
    pub all: Option<GroupConfig>,
}

impl Default for EvaluationConfig {
    fn default() -> Self {
        EvaluationConfig {
            pooled: false,
            land_share: LandShare::FloorArea,
            missing: Missing::GroupMean,
            cap: None,
            scoring: Scoring::Benchmark,
            min_max_floor: 0.0,
            classes: ClassMethod::Percentile,
            bands: vec![0.25, 0.70, 0.95],
            thresholds: Vec::new(),
            min_land_mu: 0.0,
            scope: Scope::MinLand,
            group_by: None,
            quota_rounding: QuotaRounding::Floor,
            adjustments: None,
            year: None,
            defer_years: 0,
            max_bonus: None,
            max_penalty: None,
            d_years_low_efficiency: 0,
            above_scale: None,
            below_scale: None,
            all: None,
        }
    }
}

impl EvaluationConfig {
    /// Checks the section as a whole: numbers in range, classes cut one way, the groups the
    /// grading uses (and only those), each group's indicators. The message names the key.
    pub(crate) fn check(&self) -> Result<(), String> {
        check_non_negative("min_land_mu", self.min_land_mu)?;
        for (name, cap) in [
            ("max_bonus", self.max_bonus),
            ("max_penalty", self.max_penalty),
        ] {
            if let Some(cap) = cap {
                check_non_negative(name, cap)?;
            }
        }
        if let Some(cap) = self.cap {
            check_cap("cap", cap)?;
        }
        if !(0.0..1.0).contains(&self.min_max_floor) {
            return Err(format!(
                "evaluation.min_max_floor must be in [0, 1) (Jingde's is 0.2), found {}",
                self.min_max_floor
            ));
        }
        if self.defer_years > 0 && self.year.is_none() {
            return Err(format!(
                "evaluation.defer_years = {} needs the evaluation year: set evaluation.year \
                 (e.g. year = 2024)",
                self.defer_years
            ));
        }
        self.check_classes()?;
        self.check_groups()?;
        for (name, group) in [
            ("above_scale", &self.above_scale),
            ("below_scale", &self.below_scale),
            ("all", &self.all),
        ] {
            if let Some(group) = group {
                check_group(name, group)?;
            }
        }
        Ok(())
    }

    /// Checks how classes are cut: three increasing bands for `percentile` (and no
    /// thresholds, which it would not use), three decreasing thresholds for `score`.
    /// This configuration with every `{ previous_mean = FACTOR }` benchmark resolved to a value:
    /// `mean(group, indicator)` (the previous audit's mean over the group's graded firms) times
    /// the factor.
    ///
    /// # Errors
    /// A message naming the group and indicator when the previous audit gives no mean for it.
    pub fn with_previous_means(
        &self,
        mean: &dyn Fn(Group, Indicator) -> Option<f64>,
    ) -> Result<EvaluationConfig, String> {
        let mut out = self.clone();
        let groups = [
            (Group::AboveScale, &mut out.above_scale),
            (Group::BelowScale, &mut out.below_scale),
            (Group::All, &mut out.all),
        ];
        for (group, scheme) in groups {
            for ind in scheme.iter_mut().flat_map(|g| g.indicators.iter_mut()) {
                let Benchmark::PreviousMean(factor) = ind.benchmark else {
                    continue;
                };
                let m = mean(group, ind.indicator).filter(|m| *m > 0.0).ok_or_else(|| {
                    format!(
                        "evaluation.{}: {} has benchmark {{ previous_mean = {factor} }}, but the \
                         previous audit has no mean of it for that group (give --previous the \
                         output folder of an audit that graded it)",
                        group.as_str(),
                        ind.indicator.as_str()
                    )
                })?;
                ind.benchmark = Benchmark::Value(m * factor);
            }
        }
        Ok(out)
    }

    /// Whether any indicator's benchmark is last year's mean.
    pub fn uses_previous_means(&self) -> bool {
        [&self.above_scale, &self.below_scale, &self.all]
            .into_iter()
            .flatten()
            .flat_map(|g| &g.indicators)
            .any(|i| matches!(i.benchmark, Benchmark::PreviousMean(_)))
    }

    fn check_classes(&self) -> Result<(), String> {
        match self.classes {
            ClassMethod::Percentile if !self.thresholds.is_empty() => Err(format!(
                "evaluation.thresholds {:?} are used only with classes = \"score\"; classes \
                 are by percentile bands (the default): set classes = \"score\" or remove \
                 thresholds",
                self.thresholds
            )),
            ClassMethod::Percentile => {
                if self.bands.len() != 3
                    || !self.bands.windows(2).all(|w| w[0] <= w[1])
                    || self.bands.iter().any(|b| !(0.0..=1.0).contains(b))
                {
                    return Err(format!(
                        "evaluation.bands must be three increasing fractions in [0, 1] (A, B, C), found {:?}",
                        self.bands
                    ));
                }
                Ok(())
            }
            ClassMethod::Score => {
                if self.thresholds.len() != 3
                    || !self.thresholds.windows(2).all(|w| w[0] >= w[1])
                    || self.thresholds.iter().any(|t| !t.is_finite())
                {
                    return Err(format!(
                        "evaluation.thresholds must be three decreasing scores (A, B, C) when classes = \"score\", found {:?}",
                        self.thresholds
                    ));
                }
                Ok(())
            }
        }
    }

    /// Checks that the groups the grading uses are given (`all` when pooled, else
    /// `above_scale` and/or `below_scale`), and no other.
    fn check_groups(&self) -> Result<(), String> {
        if self.pooled && self.all.is_none() {
            return Err("evaluation.pooled = true needs [evaluation.all] indicators".into());
        }
        if !self.pooled && self.above_scale.is_none() && self.below_scale.is_none() {
            return Err("evaluation needs [evaluation.above_scale] and/or [evaluation.below_scale] indicators \
                        (or pooled = true with [evaluation.all])"
                .into());
        }
        // A group the grading would not use: its indicators would be silently ignored.
        if self.pooled && (self.above_scale.is_some() || self.below_scale.is_some()) {
            return Err(
                "evaluation.pooled = true grades every firm with [evaluation.all]: \
                        [evaluation.above_scale] and [evaluation.below_scale] would be ignored; \
                        remove them, or set pooled = false"
                    .into(),
            );
        }
        if !self.pooled && self.all.is_some() {
            return Err(
                "[evaluation.all] is used only with pooled = true; 规上 and 规下 firms \
                        are graded apart with [evaluation.above_scale] and \
                        [evaluation.below_scale]: remove it, or set pooled = true"
                    .into(),
            );
        }
        Ok(())
    }

    fn group_config(&self, group: Group) -> Option<&GroupConfig> {
        match group {
            Group::AboveScale => self.above_scale.as_ref(),
            Group::BelowScale => self.below_scale.as_ref(),
            Group::All => self.all.as_ref(),
        }
    }
}

/// Checks `evaluation.{name}`, a number that must be finite and ≥ 0.
fn check_non_negative(name: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(format!(
            "evaluation.{name} must be a finite number ≥ 0, found {v}"
        ))
    }
}

/// Checks `evaluation.{name}`, a cap on value/benchmark (a multiple of the benchmark): finite
/// and > 0. A cap of 0 makes every indicator's points 0: every firm ties, and the classes mean
/// nothing, as with weights adding up to 0.
fn check_cap(name: &str, cap: f64) -> Result<(), String> {
    if cap.is_finite() && cap > 0.0 {
        Ok(())
    } else {
        Err(format!(
            "evaluation.{name} must be a finite number > 0 (a multiple of the \
             benchmark), found {cap}"
        ))
    }
}

/// Checks the group `evaluation.{name}`: each indicator's figures, each indicator listed
/// once, and some weight.
fn check_group(name: &str, group: &GroupConfig) -> Result<(), String> {
    // Named as a reader of the file counts them (from 1), with the indicator's name.
    for (i, ind) in group.indicators.iter().enumerate() {
        let at = format!("{name}.indicators #{} ({})", i + 1, ind.indicator.as_str());
        check_indicator(&at, ind)?;
    }
    for (key, cap) in [
        ("max_bonus", group.max_bonus),
        ("max_penalty", group.max_penalty),
    ] {
        if let Some(cap) = cap {
            check_non_negative(&format!("{name}.{key}"), cap)?;
        }
    }
    // Listed twice, an indicator would count twice (its weight doubled, unseen).
    let indicators = &group.indicators;
    for (i, ind) in indicators.iter().enumerate() {
        if let Some(j) = indicators[..i]
            .iter()
            .position(|o| o.indicator == ind.indicator)
        {
            return Err(format!(
                "evaluation.{name}.indicators #{} ({}) repeats #{}: list each indicator \
                 once, with its whole weight",
                i + 1,
                ind.indicator.as_str(),
                j + 1
            ));
        }
    }
    // With no weight every score is 0 and every firm ties: the classes would mean
    // nothing (under percentile bands, file order would decide them).
    if group.indicators.iter().map(|ind| ind.weight).sum::<f64>() <= 0.0 {
        return Err(format!(
            "evaluation.{name}: the indicators' weights add up to 0; give at least one a weight > 0"
        ));
    }
    Ok(())
}

/// Checks one indicator, named `at` in messages: its weight finite and ≥ 0, its benchmark
/// > 0 (or the mean), its cap (if any) > 0.
fn check_indicator(at: &str, ind: &IndicatorConfig) -> Result<(), String> {
    check_non_negative(&format!("{at}: weight"), ind.weight)?;
    if let Benchmark::Value(b) = ind.benchmark
        && !(b.is_finite() && b > 0.0)
    {
        return Err(format!(
            "evaluation.{at}: benchmark must be > 0 or \"mean\", found {b}"
        ));
    }
    if let Benchmark::PreviousMean(f) = ind.benchmark
        && !(f.is_finite() && f > 0.0)
    {
        return Err(format!(
            "evaluation.{at}: benchmark {{ previous_mean = FACTOR }} needs a factor > 0, found {f}"
        ));
    }
    if let Some(cap) = ind.cap {
        check_cap(&format!("{at}: cap"), cap)?;
    }
    Ok(())
}

/// An evaluation group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// Above designated size (规上).
    AboveScale,
    /// Below designated size (规下).
    BelowScale,
    /// Everyone, pooled.
    All,
}

impl Group {
    /// `above_scale`, `below_scale` or `all`.
    pub fn as_str(self) -> &'static str {
        match self {
            Group::AboveScale => "above_scale",
            Group::BelowScale => "below_scale",
            Group::All => "all",
        }
    }
}

/// One indicator's part of a grade.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorScore {
    /// Which indicator.
    pub indicator: Indicator,
    /// Its value, in the indicator's unit; `None` when it cannot be computed.
    pub value: Option<f64>,
    /// The benchmark used.
    pub benchmark: f64,
    /// Points: `weight × min(value / benchmark, cap)`, or as `missing` says.
    pub score: f64,
    /// True when the points were imputed for missing data.
    pub imputed: bool,
}

/// The mean of finite values, 0 of none. A sum past `f64` (values near its largest) is taken
/// as the sum of each value over the count instead, so the mean stays finite.
fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let n = values.len() as f64;
    let sum: f64 = values.iter().sum();
    if sum.is_finite() {
        sum / n
    } else {
        values.iter().map(|v| v / n).sum()
    }
}

/// An enterprise's composite grade.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grade {
    /// Its group.
    pub group: Group,
    /// Land attributed to it, mu.
    pub land_mu: Option<f64>,
    /// The composite score; `None` when not graded.
    pub score: Option<f64>,
    /// Rank within its group (1 = best; equal scores share the best rank).
    pub rank: Option<usize>,
    /// Graded enterprises in its group.
    pub group_size: usize,
    /// Its class; `None` when not graded.
    pub class: Option<Class>,
    /// Per indicator.
    pub indicators: Vec<IndicatorScore>,
    /// Why it is not graded, when it is not.
    pub not_graded: Option<String>,
    /// Its ranking unit within the group (`group_by`), when it has one.
    pub unit: Option<String>,
    /// The sum of its indicators' points, before its bonus and penalty.
    pub base_score: Option<f64>,
    /// Its bonus (加分) as added to the score, after `max_bonus`; 0 when not graded.
    pub bonus: f64,
    /// Its penalty (减分) as taken off the score, after `max_penalty`; 0 when not graded.
    pub penalty: f64,
    /// Its bonus and penalty items, as the adjustments table lists them.
    pub adjustments: Vec<Adjustment>,
    /// Its forced class (or its being left out) and the reason, from the adjustments table.
    pub forced: Option<Forced>,
}

/// One enterprise as the evaluation sees it: its record and the land attributed to it.
pub struct Candidate<'a> {
    /// The enterprise.
    pub enterprise: &'a Enterprise,
    /// Land attributed to it, m²; `None` when it was joined to no parcel.
    pub land_m2: Option<f64>,
}

/// Land shares of a parcel's tenants (summing to 1).
///
/// ```
/// use land_efficiency::{LandShare, land_shares};
/// assert_eq!(land_shares(&[Some(3000.0), Some(1000.0)], LandShare::FloorArea), vec![0.75, 0.25]);
/// assert_eq!(land_shares(&[Some(3000.0), None], LandShare::FloorArea), vec![0.5, 0.5]);
/// ```
pub fn land_shares(floor_areas: &[Option<f64>], how: LandShare) -> Vec<f64> {
    let n = floor_areas.len();
    if n == 0 {
        return Vec::new();
    }
    let equal = vec![1.0 / n as f64; n];
    if how == LandShare::Equal {
        return equal;
    }
    let known: Option<Vec<f64>> = floor_areas.iter().copied().collect();
    match known {
        Some(v) if v.iter().sum::<f64>() > 0.0 => {
            let total: f64 = v.iter().sum();
            v.iter().map(|f| f / total).collect()
        }
        _ => equal,
    }
}

/// Grades the candidates. The result is in the candidates' order.
///
/// # Errors
/// [`Error::Config`](crate::error::Error::Config) when `config` is not valid (bands or thresholds
/// that are not three, weights that are not finite, ...), as [`Config::validate`] finds.
///
/// [`Config::validate`]: crate::config::Config::validate
pub fn grade(
    candidates: &[Candidate<'_>],
    config: &EvaluationConfig,
) -> crate::error::Result<Vec<Grade>> {
    grade_except(candidates, &[], config, &|_| None)
}

/// As [`grade`], with each candidate's [`Standing`] (in the candidates' order; an empty slice
/// for none): its ranking unit, its bonus and penalty items and its forced class.
///
/// # Errors
/// As [`grade`].
pub fn grade_standing(
    candidates: &[Candidate<'_>],
    standings: &[Standing<'_>],
    config: &EvaluationConfig,
) -> crate::error::Result<Vec<Grade>> {
    grade_except(candidates, standings, config, &|_| None)
}

/// As [`grade_standing`], but a candidate with values `unread` (used only in grading, and
/// not read from its file: what was found) is not graded when the evaluation uses one of them
/// (see [`uses`]), unless it is not graded for a reason of [`not_graded_reason`]: it is not
/// scored on the hole, and takes no part in its group's means and ranks.
fn grade_except(
    candidates: &[Candidate<'_>],
    standings: &[Standing<'_>],
    config: &EvaluationConfig,
    unread: &dyn Fn(usize) -> Option<(GradingValues, String)>,
) -> crate::error::Result<Vec<Grade>> {
    config
        .check()
        .map_err(|message| crate::error::Error::Config {
            path: "<config>".into(),
            message,
        })?;
    let mut grades: Vec<Grade> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let standing = standings.get(i).copied().unwrap_or_default();
            let mut g = new_grade(c, standing, config);
            g.not_graded = not_graded_reason(c, &g, config).or_else(|| {
                let (values, found) = unread(i)?;
                uses(config, g.group, values).then_some(found)
            });
            g
        })
        .collect();
    for group in [Group::AboveScale, Group::BelowScale, Group::All] {
        let Some(scheme) = config.group_config(group) else {
            continue;
        };
        // Each ranking unit is graded on its own: its means, its ranks, its quotas.
        let mut units: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
        for i in (0..grades.len()).filter(|&i| grades[i].group == group) {
            if grades[i].not_graded.is_none() {
                units.entry(grades[i].unit.clone()).or_default().push(i);
            }
        }
        for members in units.values() {
            score_group(members, candidates, &mut grades, scheme, config);
            let ranked: Vec<usize> = (members.iter().copied())
                .filter(|&i| grades[i].forced.is_none())
                .collect();
            classify_group(&ranked, &mut grades, config);
            for &i in members {
                let g = &mut grades[i];
                if let Some(f) = &g.forced {
                    g.class = f.action.class();
                    g.group_size = ranked.len();
                }
            }
        }
    }
    Ok(grades)
}

/// A candidate's grade before scoring: its group, land, unit, items and forced class.
fn new_grade(c: &Candidate<'_>, standing: Standing<'_>, config: &EvaluationConfig) -> Grade {
    let adjustments = standing.adjustments;
    Grade {
        group: group_of(c.enterprise, config),
        land_mu: c.land_m2.map(m2_to_mu),
        score: None,
        rank: None,
        group_size: 0,
        class: None,
        indicators: Vec::new(),
        not_graded: None,
        unit: config.group_by.and(standing.unit).map(str::to_string),
        base_score: None,
        bonus: 0.0,
        penalty: 0.0,
        adjustments: adjustments.map(|a| a.items.clone()).unwrap_or_default(),
        forced: (adjustments.and_then(|a| a.forced.clone()))
            .or_else(|| deferred_by_years(c.enterprise, config)),
    }
}

/// The `defer_years` rule: a firm that started production fewer than `defer_years` years
/// before `year` is deferred (暂缓评价), the reason naming both years (line 0: from the
/// configuration, not the table).
///
/// ```
/// use land_efficiency::{Enterprise, EvaluationConfig, deferred_by_years};
/// let config = EvaluationConfig { year: Some(2024), defer_years: 2, ..Default::default() };
/// let firm = |start| Enterprise { start_year: Some(start), ..Enterprise::default() };
/// assert!(deferred_by_years(&firm(2023.0), &config).is_some()); // 1 year
/// assert!(deferred_by_years(&firm(2022.0), &config).is_none()); // 2 years
/// ```
pub fn deferred_by_years(e: &Enterprise, config: &EvaluationConfig) -> Option<Forced> {
    let (year, start) = (config.year?, e.start_year?);
    let years = f64::from(year) - start;
    (config.defer_years > 0 && years < f64::from(config.defer_years)).then(|| Forced {
        action: crate::adjust::Action::Deferred,
        reason: format!(
            "投产不满{}年: production started {start}, evaluation year {year}",
            config.defer_years
        ),
        line: 0,
    })
}

/// The group an enterprise is graded in: all when pooled, else above or below scale (below
/// when `above_scale` is not given).
fn group_of(e: &Enterprise, config: &EvaluationConfig) -> Group {
    if config.pooled {
        Group::All
    } else if e.above_scale == Some(true) {
        Group::AboveScale
    } else {
        Group::BelowScale
    }
}

/// Why a candidate, its grade `g` begun, is not graded; `None` when it is.
fn not_graded_reason(c: &Candidate<'_>, g: &Grade, config: &EvaluationConfig) -> Option<String> {
    let land_mu = g.land_mu;
    // In scope whatever its land: a 规上 firm when the scope keeps every one.
    let any_land =
        config.scope == Scope::AboveScaleOrMinLand && c.enterprise.above_scale == Some(true);
    if c.enterprise.exempt {
        Some("exempt (免评)".to_string())
    } else if let Some(f) = g.forced.as_ref().filter(|f| f.action.class().is_none()) {
        Some(format!(
            "{} ({}): {}",
            f.action.as_str(),
            f.action.chinese(),
            f.reason
        ))
    } else if c.land_m2.is_none() {
        Some("joined to no parcel: no land".to_string())
    } else if c.land_m2.is_some_and(|m2| m2 <= 0.0) {
        // Per mu of nothing is undefined, not missing: a tenant with no floor area on
        // a parcel shared by floor area holds no land, and is not graded rather than
        // given the group's mean.
        Some("no land: its share of the parcel is 0 (no floor area)".to_string())
    } else if !any_land && land_mu.is_some_and(|l| Minimum(config.min_land_mu).is_missed_by(l)) {
        // Within rounding of the minimum is at it: a third of a 15 mu parcel is
        // 4.999999999999999 mu after m², and a firm with 5 mu is in scope.
        Some(format!(
            "land {:.2} mu is below the minimum of {} mu",
            land_mu.unwrap_or(0.0),
            config.min_land_mu
        ))
    } else if config
        .group_config(g.group)
        .is_none_or(|g| g.indicators.is_empty())
    {
        Some(format!(
            "no indicators are configured for the {} group",
            g.group.as_str()
        ))
    } else {
        None
    }
}

/// True when grading a firm of `group` uses any of `values`: exempt always, above scale
/// when the groups are apart, floor area when land is shared by it, and the values of the
/// group's indicators.
fn uses(config: &EvaluationConfig, group: Group, values: GradingValues) -> bool {
    use GradingValues as V;
    values.any_of(V::EXEMPT)
        || (values.any_of(V::START_YEAR) && config.defer_years > 0)
        || (values.any_of(V::ABOVE_SCALE) && !config.pooled)
        || (values.any_of(V::FLOOR_AREA) && config.land_share == LandShare::FloorArea)
        || config.group_config(group).is_some_and(|g| {
            g.indicators
                .iter()
                .any(|i| i.indicator.reads().any_of(values))
        })
}

/// Scores the graded `members` of a group on each indicator of its `scheme`, then sums their
/// points into their scores.
fn score_group(
    members: &[usize],
    candidates: &[Candidate<'_>],
    grades: &mut [Grade],
    scheme: &GroupConfig,
    config: &EvaluationConfig,
) {
    for ind in &scheme.indicators {
        score_indicator(ind, members, candidates, grades, config);
    }
    let total_weight: f64 = scheme.indicators.iter().map(|i| i.weight).sum();
    for &i in members {
        let g = &mut grades[i];
        let base = total_score(g, scheme, config, total_weight);
        let applied = applied_adjustment(
            &g.adjustments,
            scheme.max_bonus.or(config.max_bonus),
            scheme.max_penalty.or(config.max_penalty),
        );
        g.base_score = Some(base);
        g.bonus = applied.bonus;
        g.penalty = applied.penalty;
        g.score = Some(base + applied.net());
    }
}

/// Adds each member's points on one indicator to its grade: `weight × min(value / benchmark,
/// cap)`, or as `missing` says when the value cannot be computed (or the benchmark is not
/// > 0).
fn score_indicator(
    ind: &IndicatorConfig,
    members: &[usize],
    candidates: &[Candidate<'_>],
    grades: &mut [Grade],
    config: &EvaluationConfig,
) {
    let values: Vec<Option<f64>> = members
        .iter()
        .map(|&i| {
            ind.indicator
                .value(candidates[i].enterprise, grades[i].land_mu.unwrap_or(0.0))
        })
        .collect();
    let (benchmark, scored) = match config.scoring {
        Scoring::Benchmark => by_benchmark(ind, &values, config.cap),
        Scoring::MinMax => by_min_max(ind.weight, &values, config.min_max_floor),
    };
    let known: Vec<f64> = scored.iter().flatten().copied().collect();
    let mean_points = mean(&known);
    for ((&i, value), points) in members.iter().zip(values).zip(scored) {
        let (score, imputed) = match (points, config.missing) {
            (Some(p), _) => (p, false),
            (None, Missing::GroupMean) => (mean_points, true),
            (None, Missing::Zero) => (0.0, true),
            (None, Missing::Reweight) => (0.0, true),
        };
        grades[i].indicators.push(IndicatorScore {
            indicator: ind.indicator,
            value,
            benchmark,
            score,
            imputed,
        });
    }
}

/// Points by ratio to the benchmark, capped: the benchmark used and each value's points
/// (`None` for a value missing, or a benchmark not > 0). An unresolved `previous_mean` (no
/// previous audit) scores nothing.
fn by_benchmark(
    ind: &IndicatorConfig,
    values: &[Option<f64>],
    cap: Option<f64>,
) -> (f64, Vec<Option<f64>>) {
    let benchmark = match ind.benchmark {
        Benchmark::Value(v) => v,
        Benchmark::Mean => {
            let known: Vec<f64> = values.iter().flatten().copied().collect();
            mean(&known)
        }
        Benchmark::PreviousMean(_) => f64::NAN,
    };
    let cap = ind.cap.or(cap);
    let points = |v: f64| {
        let ratio = v / benchmark;
        ind.weight * cap.map_or(ratio, |c| ratio.min(c))
    };
    let scored = (values.iter())
        .map(|v| v.filter(|_| benchmark > 0.0).map(points))
        .collect();
    (benchmark, scored)
}

/// Points by min–max normalisation (Jingde): `weight × (floor + (1 − floor) × (v − min) /
/// (max − min))`; the full weight for every value when they are all equal. The "benchmark"
/// recorded is the maximum, the value that earns the full weight.
fn by_min_max(weight: f64, values: &[Option<f64>], floor: f64) -> (f64, Vec<Option<f64>>) {
    let known = values.iter().flatten().copied();
    let (min, max) = known.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let scored = (values.iter())
        .map(|v| {
            v.map(|v| {
                let share = if max > min {
                    (v - min) / (max - min)
                } else {
                    1.0
                };
                weight * (floor + (1.0 - floor) * share)
            })
        })
        .collect();
    (max, scored)
}

/// A scored grade's composite score: the sum of its points, with `reweight` scaled up from
/// the weight of the indicators it has to the scheme's `total_weight`.
fn total_score(
    g: &Grade,
    scheme: &GroupConfig,
    config: &EvaluationConfig,
    total_weight: f64,
) -> f64 {
    let score: f64 = g.indicators.iter().map(|s| s.score).sum();
    if config.missing != Missing::Reweight {
        return score;
    }
    let available: f64 = g
        .indicators
        .iter()
        .zip(&scheme.indicators)
        .filter(|(s, _)| !s.imputed)
        .map(|(_, c)| c.weight)
        .sum();
    if available > 0.0 {
        score * total_weight / available
    } else {
        0.0
    }
}

/// One message per indicator that no graded enterprise of a group has (its data missing, or
/// its denominator 0, for every one): every one of them scored 0 on it, which the scoring
/// does on purpose (the group mean of nothing is 0) but no one should miss. Indicators of
/// weight 0 count for nothing and are not listed.
pub(crate) fn absent_indicators(grades: &[&Grade], config: &EvaluationConfig) -> Vec<String> {
    let mut out = Vec::new();
    for group in [Group::AboveScale, Group::BelowScale, Group::All] {
        let Some(scheme) = config.group_config(group) else {
            continue;
        };
        let members: Vec<&Grade> = grades
            .iter()
            .copied()
            .filter(|g| g.group == group && g.score.is_some())
            .collect();
        if members.is_empty() {
            continue;
        }
        for (k, ind) in scheme.indicators.iter().enumerate() {
            let absent = members
                .iter()
                .all(|g| g.indicators.get(k).is_none_or(|s| s.value.is_none()));
            if !absent || ind.weight <= 0.0 {
                continue;
            }
            let weight = match config.missing {
                Missing::Reweight => format!("its weight of {} went to the others", ind.weight),
                Missing::GroupMean | Missing::Zero => {
                    format!("lost its weight of {}", ind.weight)
                }
            };
            out.push(format!(
                "evaluation group {}: no graded enterprise has {} (data missing, or a \
                 denominator of 0), so every one of the {} scored 0 on it and {weight}",
                group.as_str(),
                ind.indicator.as_str(),
                members.len(),
            ));
        }
    }
    out
}

/// Scores this close (relative) are one score when ranking. Identical firms on parcels of one
/// size at different places differ by ~1e-12 (the geodesic areas' last bits); without this,
/// file order put one in A and its twin in B.
pub const SCORE_TIE: f64 = 1e-9;

fn tied(lead: f64, s: f64) -> bool {
    (lead - s).abs() <= SCORE_TIE * lead.abs().max(s.abs())
}

fn classify_group(members: &[usize], grades: &mut [Grade], config: &EvaluationConfig) {
    let n = members.len();
    let mut order: Vec<usize> = members.to_vec();
    order.sort_by(|&a, &b| {
        let (sa, sb) = (
            grades[a].score.unwrap_or(0.0),
            grades[b].score.unwrap_or(0.0),
        );
        sb.total_cmp(&sa)
    });
    let mut rank = 0;
    // The score that opened the current tie: a score within SCORE_TIE of it shares its rank.
    let mut lead: Option<f64> = None;
    for (position, &i) in order.iter().enumerate() {
        let s = grades[i].score.unwrap_or(0.0);
        if !lead.is_some_and(|l| tied(l, s)) {
            rank = position + 1;
            lead = Some(s);
        }
        let class = match config.classes {
            ClassMethod::Percentile => {
                let q = |b: f64| quota(b, n, config.quota_rounding);
                let b = &config.bands;
                if rank <= q(b[0]) {
                    Class::A
                } else if rank <= q(b[1]) {
                    Class::B
                } else if rank <= q(b[2]) {
                    Class::C
                } else {
                    Class::D
                }
            }
            ClassMethod::Score => {
                // Minimum scores, reached within rounding as the per-mu minimums are.
                let reaches = |t: f64| !crate::rules::Minimum(t).is_missed_by(s);
                let t = &config.thresholds;
                if reaches(t[0]) {
                    Class::A
                } else if reaches(t[1]) {
                    Class::B
                } else if reaches(t[2]) {
                    Class::C
                } else {
                    Class::D
                }
            }
        };
        let g = &mut grades[i];
        g.rank = Some(rank);
        g.group_size = n;
        g.class = Some(class);
    }
}

/// The class quotas of each ranking unit of each group, for the summary; `None` when
/// classes are cut by score.
pub fn quotas(grades: &[&Grade], config: &EvaluationConfig) -> Option<Vec<crate::quota::Quotas>> {
    if config.classes != ClassMethod::Percentile {
        return None;
    }
    let mut ranked: BTreeMap<(Group, Option<&str>), usize> = BTreeMap::new();
    for g in grades.iter().filter(|g| g.rank.is_some()) {
        *ranked.entry((g.group, g.unit.as_deref())).or_insert(0) += 1;
    }
    let how = config.quota_rounding;
    let out = ranked
        .into_iter()
        .map(|((group, unit), n)| crate::quota::Quotas {
            group: group.as_str(),
            unit: unit.map(str::to_string),
            ranked: n,
            rounding: how,
            cumulative: [0, 1, 2].map(|k| quota(config.bands[k], n, how)),
        });
    Some(out.collect())
}

/// Counts of classes by group, for the summary.
pub fn class_counts(grades: &[&Grade]) -> BTreeMap<String, BTreeMap<&'static str, usize>> {
    let mut out: BTreeMap<String, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for g in grades {
        let key = g.class.map_or("not_graded", Class::as_str);
        *out.entry(g.group.as_str().to_string())
            .or_default()
            .entry(key)
            .or_insert(0) += 1;
    }
    out
}

/// The grading stage: each enterprise's land (its parcel's area shared among the tenants as
/// `land_share` says, in m²; `None` when not joined, or its parcel's tenants are incomplete) and
/// its grade, with its ranking unit (`park_id` gives the id of a park row) and what `table`
/// says of it. Tenants of a parcel that holds a firm left out of its figures are not graded.
///
/// # Errors
/// As [`grade`]; the configuration was validated when the audit started.
pub(crate) fn grade_enterprises(
    evaluation: &EvaluationConfig,
    tenants: &Tenants,
    enterprises: &Enterprises,
    figures: &[Figures],
    table: Option<&crate::adjust::AdjustmentTable>,
    park_id: &dyn Fn(u32) -> Option<String>,
) -> crate::error::Result<(Vec<Option<f64>>, Vec<Grade>)> {
    let mut land: Vec<Option<f64>> = vec![None; enterprises.len()];
    let mut park: Vec<Option<String>> = vec![None; enterprises.len()];
    for (row, f) in figures.iter().enumerate() {
        for &e in tenants.of(row) {
            park[e as usize] = park_id(f.park);
        }
        // A firm left out of the parcel would take a share: the others' are unknown.
        if f.unsure {
            continue;
        }
        let rows = tenants.of(row);
        let floors: Vec<Option<f64>> = (rows.iter())
            .map(|&e| enterprises.floor_area_m2(e as usize))
            .collect();
        for (&e, share) in rows.iter().zip(land_shares(&floors, evaluation.land_share)) {
            land[e as usize] = Some(f.area_m2 * share);
        }
    }
    let records: Vec<Enterprise> = (0..enterprises.len())
        .map(|row| enterprises.record(row))
        .collect();
    let candidates: Vec<Candidate> = (records.iter().zip(&land))
        .map(|(e, &land_m2)| Candidate {
            enterprise: e,
            land_m2,
        })
        .collect();
    let standings: Vec<Standing> = (records.iter().zip(&park))
        .map(|(e, park)| Standing {
            unit: match evaluation.group_by {
                Some(RankingUnit::Park) => park.as_deref(),
                Some(RankingUnit::Unit) => e.unit.as_deref(),
                None => None,
            },
            adjustments: table.and_then(|t| t.firms.get(&e.id)),
        })
        .collect();
    let unread =
        |row: usize| (enterprises.ungraded(row)).map(|(values, found)| (values, found.to_string()));
    let mut grades = grade_except(&candidates, &standings, evaluation, &unread)?;
    for (row, _) in figures.iter().enumerate().filter(|(_, f)| f.unsure) {
        for &e in tenants.of(row) {
            if !records[e as usize].exempt {
                grades[e as usize].not_graded = Some(
                    "its parcel holds a firm left out of its figures (rejected, or in two \
                     parcels): its land share is unknown"
                        .into(),
                );
            }
        }
    }
    Ok((land, grades))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absent_indicator_is_named_with_what_happened_to_its_weight() {
        let e = Enterprise {
            id: "E".into(),
            tax: 150.0,
            ..Enterprise::default()
        };
        let candidates = [Candidate {
            enterprise: &e,
            land_m2: Some(10_000.0),
        }];
        let ind = |indicator, weight| IndicatorConfig {
            indicator,
            weight,
            benchmark: Benchmark::Value(1.0),
            cap: None,
        };
        let mut config = EvaluationConfig {
            pooled: true,
            missing: Missing::Reweight,
            all: Some(GroupConfig {
                indicators: vec![
                    ind(Indicator::TaxPerMu, 50.0),
                    ind(Indicator::TaxPerElectricity, 50.0),
                    ind(Indicator::RdIntensity, 0.0), // counts for nothing: not listed
                ],
                ..GroupConfig::default()
            }),
            ..EvaluationConfig::default()
        };
        let messages = |config: &EvaluationConfig| {
            let grades = grade(&candidates, config).unwrap();
            absent_indicators(&grades.iter().collect::<Vec<_>>(), config)
        };
        assert_eq!(
            messages(&config),
            [
                "evaluation group all: no graded enterprise has tax_per_electricity (data missing, \
              or a denominator of 0), so every one of the 1 scored 0 on it and its weight of 50 \
              went to the others"
            ]
        );
        config.missing = Missing::Zero;
        assert!(messages(&config)[0].ends_with("lost its weight of 50"));
    }

    /// A third of a 15 mu parcel is 5 mu, though m² and back leave it an ulp short: a firm
    /// with it is in scope of a 5 mu minimum; one with 4.9 mu is not.
    #[test]
    fn land_within_rounding_of_the_minimum_is_at_it() {
        let e = Enterprise {
            id: "E".into(),
            tax: 150.0,
            ..Enterprise::default()
        };
        let third = 10_000.0 * (1.0 / 3.0);
        assert!(m2_to_mu(third) < 5.0, "the share is an ulp short of 5 mu");
        let config = EvaluationConfig {
            pooled: true,
            min_land_mu: 5.0,
            all: Some(GroupConfig {
                indicators: vec![IndicatorConfig {
                    indicator: Indicator::TaxPerMu,
                    weight: 100.0,
                    benchmark: Benchmark::Value(10.0),
                    cap: None,
                }],
                ..GroupConfig::default()
            }),
            ..EvaluationConfig::default()
        };
        let candidates = [
            Candidate {
                enterprise: &e,
                land_m2: Some(third),
            },
            Candidate {
                enterprise: &e,
                land_m2: Some(4.9 * 10_000.0 / 15.0),
            },
        ];
        let grades = grade(&candidates, &config).unwrap();
        assert_eq!(grades[0].not_graded, None);
        assert!(grades[0].score.is_some());
        assert_eq!(
            grades[1].not_graded.as_deref(),
            Some("land 4.90 mu is below the minimum of 5 mu")
        );
    }

    /// A denominator so small the quotient is past f64 is as missing as a zero one: taken as
    /// infinite, it made the group's mean benchmark infinite, every other firm's points 0 and
    /// its own score NaN, ranked and classed all the same.
    #[test]
    fn an_indicator_past_f64_is_missing_not_infinite() {
        let firm = |id: &str, value_added: f64, energy: f64| Enterprise {
            id: id.into(),
            value_added: Some(value_added),
            energy_tce: Some(energy),
            ..Enterprise::default()
        };
        let firms = [
            firm("E1", 500.0, 100.0),
            firm("E2", 300.0, 50.0),
            firm("E3", 1000.0, 1e-306),
        ];
        let candidates: Vec<Candidate> = firms
            .iter()
            .map(|e| Candidate {
                enterprise: e,
                land_m2: Some(10_000.0),
            })
            .collect();
        let config = EvaluationConfig {
            pooled: true,
            missing: Missing::Zero,
            all: Some(GroupConfig {
                indicators: vec![IndicatorConfig {
                    indicator: Indicator::ValueAddedPerEnergy,
                    weight: 100.0,
                    benchmark: Benchmark::Mean,
                    cap: None,
                }],
                ..GroupConfig::default()
            }),
            ..EvaluationConfig::default()
        };
        let grades = grade(&candidates, &config).unwrap();
        let scores: Vec<f64> = grades.iter().map(|g| g.score.unwrap()).collect();
        assert!(scores.iter().all(|s| s.is_finite()), "{scores:?}");
        assert_eq!(grades[2].indicators[0].value, None);
        // The mean of 5 and 6 is the benchmark: E1 scores 100 × 5 / 5.5.
        assert_eq!(grades[0].indicators[0].benchmark, 5.5);
        approx::assert_relative_eq!(scores[0], 100.0 * 5.0 / 5.5, max_relative = 1e-12);
        assert_eq!(scores[2], 0.0);
        // Values near f64's largest still have a finite mean.
        assert_eq!(mean(&[f64::MAX, f64::MAX]), f64::MAX);
    }

    /// An indicator's error names it as a reader counts (from 1), with its name.
    #[test]
    fn indicator_errors_count_from_1_and_name_the_indicator() {
        let ind = |indicator, weight, benchmark| IndicatorConfig {
            indicator,
            weight,
            benchmark,
            cap: None,
        };
        let config = |second: IndicatorConfig| EvaluationConfig {
            pooled: true,
            all: Some(GroupConfig {
                indicators: vec![ind(Indicator::TaxPerMu, 50.0, Benchmark::Mean), second],
                ..GroupConfig::default()
            }),
            ..EvaluationConfig::default()
        };
        let e = config(ind(Indicator::RdIntensity, -1.0, Benchmark::Mean)).check();
        assert_eq!(
            e.unwrap_err(),
            "evaluation.all.indicators #2 (rd_intensity): weight must be a finite number ≥ 0, \
             found -1"
        );
        let e = config(ind(Indicator::OutputPerMu, 5.0, Benchmark::Value(0.0))).check();
        assert_eq!(
            e.unwrap_err(),
            "evaluation.all.indicators #2 (output_per_mu): benchmark must be > 0 or \"mean\", \
             found 0"
        );
    }
}
