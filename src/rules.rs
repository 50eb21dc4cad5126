//! Low-efficiency thresholds (`[low_efficiency]`), their overrides, and the classification of
//! a parcel with its reasons.
//!
//! A parcel is low-efficiency (低效用地) when it is idle (and idle counts), when any metric is
//! **strictly below** its minimum, or when any contracted commitment is missed (actual below
//! `contract_shortfall` × commitment). Equality is not low. A metric that cannot be computed
//! (`None`, such as a plot ratio with no floor area) is never a reason.

use serde::{Deserialize, Serialize};

use crate::parcel::{Commitments, Status};

/// A minimum a figure must reach. Strictly below is a miss; equality is not, and a figure
/// within rounding of the minimum (a relative 1e-12) is equal to it.
///
/// ```
/// use land_efficiency::Minimum;
/// assert!(Minimum(15.0).is_missed_by(14.999));
/// assert!(!Minimum(15.0).is_missed_by(15.0));
/// // 375 万元 on a parcel recorded as 25 mu, by way of m²: equal, not below.
/// assert!(!Minimum(15.0).is_missed_by(14.999999999999998));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Minimum(pub f64);

/// How close (relative) a figure must be to a minimum or a cap to count as equal to it. Binary
/// floating point leaves an ulp or two where decimal arithmetic is exact: a parcel recorded as
/// 25 mu is 25.000000000000004 mu after m² and back, and 0.8 × 12 is 9.600000000000001.
/// "Equality is not low" must not hang on those last bits.
pub const ROUNDING: f64 = 1e-12;

impl Minimum {
    /// True when `value` is below the minimum by more than rounding (a relative 1e-12).
    pub fn is_missed_by(self, value: f64) -> bool {
        value < self.0 - self.0.abs() * ROUNDING
    }
}

/// True when `value` is above `cap` by more than rounding ([`ROUNDING`]): a park's ratio at
/// its cap is not over it.
pub fn exceeds(value: f64, cap: f64) -> bool {
    value > cap + cap.abs() * ROUNDING
}

/// Why a parcel is low-efficiency, as written in `reasons`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Investment per mu below its minimum.
    Investment,
    /// Tax per mu below its minimum.
    Tax,
    /// Output per mu below its minimum.
    Output,
    /// Plot ratio below its minimum.
    PlotRatio,
    /// No enterprise on the parcel, or zero output.
    Idle,
    /// Investment per mu short of the contracted commitment.
    ContractInvestment,
    /// Tax per mu short of the contracted commitment.
    ContractTax,
    /// Output per mu short of the contracted commitment.
    ContractOutput,
    /// Plot ratio short of the contracted commitment.
    ContractPlotRatio,
    /// Its enterprise was graded D in consecutive years (see the evaluation's
    /// `d_years_low_efficiency`).
    RepeatedClassD,
    /// Not started a full year (`not_started_years`) after the contracted start date: idle
    /// land in the legal sense (闲置土地, 《闲置土地处置办法》).
    NotStarted,
    /// Production stopped for a full year (`stopped_years`) or more.
    ProductionStopped,
    /// No tax paid for two full years (`no_tax_years`) or more.
    NoTax,
    /// A contracted figure below `contract_shortfall` × the commitment, `completion_years`
    /// full years after completion (低效: the low-efficiency test).
    ContractAfterCompletion,
    /// A contracted figure below the commitment itself, `completion_years` full years after
    /// completion (标准地 breach).
    StandardLandBreach,
    /// Plot ratio above its maximum.
    PlotRatioOver,
    /// Building density outside its range.
    BuildingDensity,
    /// Green-space ratio above its maximum.
    GreenRatio,
    /// An industry the national catalogue eliminates (淘汰类).
    EliminatedIndustry,
    /// Under a work-safety order.
    SafetyOrder,
    /// Under an environmental order.
    EnvironmentOrder,
}

impl Reason {
    /// Every reason, in the order they are listed.
    pub const ALL: [Reason; 21] = [
        Reason::Investment,
        Reason::Tax,
        Reason::Output,
        Reason::PlotRatio,
        Reason::Idle,
        Reason::ContractInvestment,
        Reason::ContractTax,
        Reason::ContractOutput,
        Reason::ContractPlotRatio,
        Reason::RepeatedClassD,
        Reason::NotStarted,
        Reason::ProductionStopped,
        Reason::NoTax,
        Reason::ContractAfterCompletion,
        Reason::StandardLandBreach,
        Reason::PlotRatioOver,
        Reason::BuildingDensity,
        Reason::GreenRatio,
        Reason::EliminatedIndustry,
        Reason::SafetyOrder,
        Reason::EnvironmentOrder,
    ];

    /// The name written in outputs: `"investment"`, `"plot_ratio"`, `"contract_tax"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Investment => "investment",
            Reason::Tax => "tax",
            Reason::Output => "output",
            Reason::PlotRatio => "plot_ratio",
            Reason::Idle => "idle",
            Reason::ContractInvestment => "contract_investment",
            Reason::ContractTax => "contract_tax",
            Reason::ContractOutput => "contract_output",
            Reason::ContractPlotRatio => "contract_plot_ratio",
            Reason::RepeatedClassD => "repeated_class_d",
            Reason::NotStarted => "not_started",
            Reason::ProductionStopped => "production_stopped",
            Reason::NoTax => "no_tax",
            Reason::ContractAfterCompletion => "contract_after_completion",
            Reason::StandardLandBreach => "standard_land_breach",
            Reason::PlotRatioOver => "plot_ratio_over",
            Reason::BuildingDensity => "building_density",
            Reason::GreenRatio => "green_ratio",
            Reason::EliminatedIndustry => "eliminated_industry",
            Reason::SafetyOrder => "safety_order",
            Reason::EnvironmentOrder => "environment_order",
        }
    }
}

/// A set of [`Reason`]s, in the order of [`Reason::ALL`]: four bytes per parcel.
///
/// ```
/// use land_efficiency::{Reason, Reasons};
/// let mut r = Reasons::default();
/// r.push(Reason::Tax);
/// r.push(Reason::Investment);
/// assert_eq!(r.to_vec(), vec![Reason::Investment, Reason::Tax]);
/// assert!(r.contains(Reason::Tax) && !r.contains(Reason::Idle));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Reasons(u32);

impl Reasons {
    fn bit(r: Reason) -> u32 {
        1 << (Reason::ALL.iter().position(|x| *x == r).unwrap_or(0))
    }

    /// Adds a reason.
    pub fn push(&mut self, r: Reason) {
        self.0 |= Self::bit(r);
    }

    /// True when `r` is in the set.
    pub fn contains(&self, r: Reason) -> bool {
        self.0 & Self::bit(r) != 0
    }

    /// True when there is no reason: the parcel is not low-efficiency.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// Number of reasons.
    pub fn len(&self) -> usize {
        self.0.count_ones() as usize
    }

    /// The reasons, in the order of [`Reason::ALL`].
    pub fn iter(&self) -> impl Iterator<Item = Reason> + '_ {
        Reason::ALL.into_iter().filter(|r| self.contains(*r))
    }

    /// The reasons as a vector.
    pub fn to_vec(&self) -> Vec<Reason> {
        self.iter().collect()
    }
}

impl Serialize for Reasons {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for r in self.iter() {
            seq.serialize_element(&r)?;
        }
        seq.end()
    }
}

/// `[low_efficiency]`: the base minimums and the overrides.
///
/// Set a minimum to 0 to switch it off (no figure is below 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LowEfficiencyConfig {
    /// Investment per mu (投资强度), 万元/亩; default 120. Also written in another unit:
    /// `{ value = 1800, unit = "万元/公顷" }` (see [`IntensityUnit`](crate::units::IntensityUnit)).
    #[serde(deserialize_with = "crate::units::de_per_mu")]
    pub min_investment_per_mu: f64,
    /// Tax per mu (亩均税收), 万元/亩; default 15. Also written in another unit.
    #[serde(deserialize_with = "crate::units::de_per_mu")]
    pub min_tax_per_mu: f64,
    /// Output per mu (亩均产出), 万元/亩; default 200. Also written in another unit.
    #[serde(deserialize_with = "crate::units::de_per_mu")]
    pub min_output_per_mu: f64,
    /// Plot ratio (容积率); default 1.0.
    pub min_plot_ratio: f64,
    /// Plot ratio maximum (标准地 ranges such as ≤ 1.8); default none.
    pub max_plot_ratio: Option<f64>,
    /// Building density (建筑密度) minimum, a fraction; default none.
    pub min_building_density: Option<f64>,
    /// Building density maximum, a fraction; default none.
    pub max_building_density: Option<f64>,
    /// Green-space ratio (绿地率) maximum, a fraction (industrial land: ≤ 0.20); default none.
    pub max_green_ratio: Option<f64>,
    /// An idle parcel (no enterprise, or zero output) is low-efficiency; default true.
    pub idle_is_low_efficiency: bool,
    /// A commitment is missed when the actual figure is below this fraction of it; default 0.5.
    pub contract_shortfall: f64,
    /// Full years after the contracted start date with no start that make land idle (闲置);
    /// default 1.
    pub not_started_years: u32,
    /// Full years of stopped production that make land low-efficiency; default 1.
    pub stopped_years: u32,
    /// Full years without tax that make land low-efficiency; default 2.
    pub no_tax_years: u32,
    /// Full years after completion from which the contract indicators are checked (the
    /// `contract_after_completion` and `standard_land_breach` reasons); default 2.
    pub completion_years: u32,
    /// The negative-list table (负面清单: parcel or firm id, flag, note), a CSV; relative to
    /// the configuration file's folder. Default none.
    pub negative_list: Option<std::path::PathBuf>,
    /// Overrides (`[[low_efficiency.rule]]`), most specific first per metric.
    #[serde(rename = "rule")]
    pub rules: Vec<Rule>,
}

impl Default for LowEfficiencyConfig {
    fn default() -> Self {
        LowEfficiencyConfig {
            min_investment_per_mu: 120.0,
            min_tax_per_mu: 15.0,
            min_output_per_mu: 200.0,
            min_plot_ratio: 1.0,
            max_plot_ratio: None,
            min_building_density: None,
            max_building_density: None,
            max_green_ratio: None,
            idle_is_low_efficiency: true,
            contract_shortfall: 0.5,
            not_started_years: 1,
            stopped_years: 1,
            no_tax_years: 2,
            completion_years: 2,
            negative_list: None,
            rules: Vec::new(),
        }
    }
}

/// One `[[low_efficiency.rule]]`: criteria (all given ones must match) and the minimums it
/// sets. Unset minimums fall through to less specific rules, then to the base.
///
/// Specificity: more criteria first; then the longer industry and land-use prefixes; then the
/// later rule in the file.
///
/// # Invariants
/// [`Config::validate`](crate::config::Config::validate) refuses a rule with no criterion or an empty
/// one (it would match every parcel: the base minimums are for that), a rule that sets no
/// value, and two rules with the same criteria, whether their values differ or not (merge
/// them). Errors name a rule `[[low_efficiency.rule]] #N`, N 1-based in file order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rule {
    /// A name for reports; default `rule N` (1-based, in file order).
    pub name: Option<String>,
    /// Industry code prefix: `"26"` matches `"26"`, `"2614"`.
    pub industry: Option<String>,
    /// Parcel status.
    pub status: Option<Status>,
    /// Park id.
    pub park: Option<String>,
    /// Land-use class prefix: `"M"` matches `"M1"`.
    pub land_use: Option<String>,
    /// Investment per mu, 万元/亩 (or `{ value, unit }`).
    #[serde(deserialize_with = "crate::units::de_per_mu_opt")]
    pub min_investment_per_mu: Option<f64>,
    /// Tax per mu, 万元/亩 (or `{ value, unit }`).
    #[serde(deserialize_with = "crate::units::de_per_mu_opt")]
    pub min_tax_per_mu: Option<f64>,
    /// Output per mu, 万元/亩 (or `{ value, unit }`).
    #[serde(deserialize_with = "crate::units::de_per_mu_opt")]
    pub min_output_per_mu: Option<f64>,
    /// Plot ratio.
    pub min_plot_ratio: Option<f64>,
    /// Plot ratio maximum.
    pub max_plot_ratio: Option<f64>,
    /// Building density minimum, a fraction.
    pub min_building_density: Option<f64>,
    /// Building density maximum, a fraction.
    pub max_building_density: Option<f64>,
    /// Green-space ratio maximum, a fraction.
    pub max_green_ratio: Option<f64>,
    /// Contract shortfall fraction.
    pub contract_shortfall: Option<f64>,
}

impl Rule {
    /// The minimums and maximums with their keys.
    fn minimums(&self) -> [(&'static str, Option<f64>); 8] {
        [
            ("min_investment_per_mu", self.min_investment_per_mu),
            ("min_tax_per_mu", self.min_tax_per_mu),
            ("min_output_per_mu", self.min_output_per_mu),
            ("min_plot_ratio", self.min_plot_ratio),
            ("max_plot_ratio", self.max_plot_ratio),
            ("min_building_density", self.min_building_density),
            ("max_building_density", self.max_building_density),
            ("max_green_ratio", self.max_green_ratio),
        ]
    }

    /// What the rule matches on, as compared for duplicates.
    fn criteria(&self) -> (Option<&str>, Option<Status>, Option<&str>, Option<&str>) {
        (
            self.industry.as_deref(),
            self.status,
            self.park.as_deref(),
            self.land_use.as_deref(),
        )
    }

    /// The criteria as written in the file: `industry = "26", status = "new"`.
    pub(crate) fn describe_criteria(&self) -> String {
        let mut parts = Vec::new();
        if let Some(v) = &self.industry {
            parts.push(format!("industry = {v:?}"));
        }
        if let Some(s) = self.status {
            parts.push(format!("status = {:?}", s.as_str()));
        }
        if let Some(v) = &self.park {
            parts.push(format!("park = {v:?}"));
        }
        if let Some(v) = &self.land_use {
            parts.push(format!("land_use = {v:?}"));
        }
        parts.join(", ")
    }

    /// A rule must match on something and set something. With no criterion (or an empty
    /// prefix, which every code starts with) it would apply to every parcel, which the base
    /// minimums already do; with no minimum it would change nothing.
    fn check_shape(&self) -> Result<(), String> {
        for (key, v) in [
            ("industry", &self.industry),
            ("park", &self.park),
            ("land_use", &self.land_use),
        ] {
            if v.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(format!(
                    "{key} is empty; an empty {key} would match every parcel"
                ));
            }
        }
        if self.criteria() == (None, None, None, None) {
            return Err(
                "a rule needs at least one of industry, status, park, land_use \
                 (for every parcel, set the minimum in [low_efficiency] itself)"
                    .into(),
            );
        }
        if self.minimums().iter().all(|(_, v)| v.is_none()) && self.contract_shortfall.is_none() {
            return Err(
                "the rule sets nothing; give it at least one of min_investment_per_mu, \
                 min_tax_per_mu, min_output_per_mu, min_plot_ratio, max_plot_ratio, \
                 min_building_density, max_building_density, max_green_ratio, \
                 contract_shortfall"
                    .into(),
            );
        }
        Ok(())
    }

    fn matches(&self, facts: &ParcelFacts<'_>) -> bool {
        self.criteria_met(facts).iter().all(|met| *met)
    }

    /// Whether each criterion, in the order industry, status, park, land use, is met by a
    /// parcel with these facts (one the rule does not set always is).
    fn criteria_met(&self, facts: &ParcelFacts<'_>) -> [bool; 4] {
        let prefix = |want: Option<&str>, have: Option<&str>| match want {
            None => true,
            Some(w) => have.is_some_and(|h| h.starts_with(w)),
        };
        [
            prefix(
                self.industry.as_deref().map(industry_digits),
                facts.industry.map(industry_digits),
            ),
            self.status.is_none_or(|s| s == facts.status),
            (self.park.as_ref()).is_none_or(|p| facts.park == Some(p.as_str())),
            prefix(self.land_use.as_deref(), facts.land_use),
        ]
    }

    fn specificity(&self) -> (usize, usize) {
        let criteria = [
            self.industry.is_some(),
            self.status.is_some(),
            self.park.is_some(),
            self.land_use.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        let prefix_len = self
            .industry
            .as_deref()
            .map_or(0, |s| industry_digits(s).len())
            + self.land_use.as_ref().map_or(0, |s| s.len());
        (criteria, prefix_len)
    }
}

/// Checks `name`, a figure that must be finite and ≥ 0.
fn check_non_negative(name: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(format!("{name} must be a finite number ≥ 0, found {v}"))
    }
}

/// Checks a minimum or maximum `name`: finite and ≥ 0, and a fraction in [0, 1] for a
/// building density or a green-space ratio.
fn check_limit(name: &str, v: f64) -> Result<(), String> {
    check_non_negative(name, v)?;
    if (name.ends_with("building_density") || name.ends_with("green_ratio")) && v > 1.0 {
        return Err(format!(
            "{name} must be a fraction in [0, 1] (35% is written 0.35), found {v}"
        ));
    }
    Ok(())
}

/// Checks `name`, a fraction of the commitment: in [0, 1] (above 1 a parcel that beat its
/// commitment would miss it).
fn check_fraction(name: &str, v: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(format!(
            "{name} must be a fraction of the commitment in [0, 1], found {v}"
        ))
    }
}

/// Checks the name of the rule labelled `at`. Parcels list the rules that set their
/// thresholds by name (`rules`; in parcels.csv joined with ";"): a name must tell its rule
/// apart.
fn check_rule_name(at: &str, name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err(format!("{at}: name is empty; give it one or leave it out"));
    }
    if name.contains(';') {
        return Err(format!(
            "{at}: name {name:?} holds a \";\", which parcels.csv puts between \
             rule names; use another character"
        ));
    }
    Ok(())
}

/// The figures two rules both set to different values (minimums and the contract shortfall),
/// each as `field a and b`, `first`'s value first.
fn conflicting_figures(first: &Rule, second: &Rule) -> Vec<String> {
    first
        .minimums()
        .into_iter()
        .chain([("contract_shortfall", first.contract_shortfall)])
        .zip(
            second
                .minimums()
                .into_iter()
                .chain([("contract_shortfall", second.contract_shortfall)]),
        )
        .filter_map(|((field, a), (_, b))| match (a, b) {
            (Some(a), Some(b)) if a != b => Some(format!("{field} {a} and {b}")),
            _ => None,
        })
        .collect()
}

/// A GB/T 4754 code's digits: the 2017 edition's codes are also written with their section
/// letter (`C2614`, manufacturing being section C), which a rule for "26" must match.
fn industry_digits(code: &str) -> &str {
    let mut chars = code.chars();
    match (chars.next(), chars.next()) {
        (Some(letter), Some(digit)) if letter.is_ascii_uppercase() && digit.is_ascii_digit() => {
            &code[1..]
        }
        _ => code,
    }
}

impl LowEfficiencyConfig {
    /// Checks the section: every minimum finite and ≥ 0, the shortfall a fraction, and each
    /// rule (see [`LowEfficiencyConfig::check_rule`]). The message names the key.
    pub(crate) fn check(&self) -> Result<(), String> {
        check_non_negative(
            "low_efficiency.min_investment_per_mu",
            self.min_investment_per_mu,
        )?;
        check_non_negative("low_efficiency.min_tax_per_mu", self.min_tax_per_mu)?;
        check_non_negative("low_efficiency.min_output_per_mu", self.min_output_per_mu)?;
        check_non_negative("low_efficiency.min_plot_ratio", self.min_plot_ratio)?;
        check_fraction("low_efficiency.contract_shortfall", self.contract_shortfall)?;
        let ranges = [
            ("max_plot_ratio", self.max_plot_ratio),
            ("min_building_density", self.min_building_density),
            ("max_building_density", self.max_building_density),
            ("max_green_ratio", self.max_green_ratio),
        ];
        for (key, v) in ranges {
            if let Some(v) = v {
                check_limit(key, v).map_err(|m| format!("low_efficiency.{m}"))?;
            }
        }
        for (low, high, min, max) in [
            (
                "min_plot_ratio",
                "max_plot_ratio",
                Some(self.min_plot_ratio),
                self.max_plot_ratio,
            ),
            (
                "min_building_density",
                "max_building_density",
                self.min_building_density,
                self.max_building_density,
            ),
        ] {
            if let (Some(min), Some(max)) = (min, max)
                && min > max
            {
                return Err(format!(
                    "low_efficiency.{low} {min} is above low_efficiency.{high} {max}: \
                     every parcel would be outside the range"
                ));
            }
        }
        for i in 0..self.rules.len() {
            self.check_rule(i)?;
        }
        Ok(())
    }

    /// Checks rule `i`: its figures, its shape, its name, and that no earlier rule has the
    /// same name or the same criteria. A rule's errors name it by its place in the file,
    /// 1-based as its default name is.
    fn check_rule(&self, i: usize) -> Result<(), String> {
        let rule = &self.rules[i];
        let at = self.rule_label(i);
        for (field, v) in rule.minimums() {
            if let Some(v) = v {
                check_limit(field, v).map_err(|m| format!("{at}: {m}"))?;
            }
        }
        if let Some(v) = rule.contract_shortfall {
            check_fraction("contract_shortfall", v).map_err(|m| format!("{at}: {m}"))?;
        }
        rule.check_shape().map_err(|m| format!("{at}: {m}"))?;
        if let Some(name) = &rule.name {
            check_rule_name(&at, name)?;
        }
        let name = self.rule_name(i);
        if let Some(j) = (0..i).find(|&j| self.rule_name(j) == name) {
            return Err(format!(
                "{at} has the name {name:?}, as {} has: a parcel's rules could not tell \
                 them apart; rename one",
                self.rule_label(j)
            ));
        }
        // Same criteria twice: the later rule would win every metric they both set, and
        // the parcels would list both. Even with equal values it is a leftover copy.
        if let Some(j) = (0..i).find(|&j| self.rules[j].criteria() == rule.criteria()) {
            let conflicts = conflicting_figures(&self.rules[j], rule);
            let what = if conflicts.is_empty() {
                "a duplicate".to_string()
            } else {
                format!("they set {}", conflicts.join(", "))
            };
            return Err(format!(
                "{at} has the same criteria ({}) as {}: {what}; merge them into one rule",
                rule.describe_criteria(),
                self.rule_label(j)
            ));
        }
        Ok(())
    }

    /// How errors and warnings name rule `i`: `[[low_efficiency.rule]] #2` (1-based, the
    /// second in the file, as in the default name `rule 2`), with its name when it has one.
    pub(crate) fn rule_label(&self, i: usize) -> String {
        match self.rules.get(i).and_then(|r| r.name.as_deref()) {
            Some(name) => format!("[[low_efficiency.rule]] #{} ({name:?})", i + 1),
            None => format!("[[low_efficiency.rule]] #{}", i + 1),
        }
    }

    /// The name of rule `i` for reports.
    pub fn rule_name(&self, i: usize) -> String {
        self.rules
            .get(i)
            .and_then(|r| r.name.clone())
            .unwrap_or_else(|| format!("rule {}", i + 1))
    }

    /// The thresholds that apply to a parcel with these facts.
    pub fn thresholds_for(&self, facts: &ParcelFacts<'_>) -> Thresholds {
        let ranked = self.ranked(facts);
        let base = [
            Some(self.min_investment_per_mu),
            Some(self.min_tax_per_mu),
            Some(self.min_output_per_mu),
            Some(self.min_plot_ratio),
            Some(self.contract_shortfall),
            self.max_plot_ratio,
            self.min_building_density,
            self.max_building_density,
            self.max_green_ratio,
        ];
        let mut used = Vec::new();
        let mut value = base;
        for (k, (_, get)) in METRICS.iter().enumerate() {
            // The first rule in rank that sets it, else the base.
            if let Some((i, v)) = ranked.iter().find_map(|&i| Some((i, get(&self.rules[i])?))) {
                if !used.contains(&i) {
                    used.push(i);
                }
                value[k] = Some(v);
            }
        }
        used.sort_unstable();
        let [
            investment,
            tax,
            output,
            plot_ratio,
            shortfall,
            max_plot_ratio,
            min_density,
            max_density,
            max_green,
        ] = value;
        let min = |v: Option<f64>| Minimum(v.unwrap_or(0.0));
        Thresholds {
            investment_per_mu: min(investment),
            tax_per_mu: min(tax),
            output_per_mu: min(output),
            plot_ratio: min(plot_ratio),
            contract_shortfall: shortfall.unwrap_or(0.0),
            idle_is_low_efficiency: self.idle_is_low_efficiency,
            max_plot_ratio,
            building_density: (min_density, max_density),
            max_green_ratio: max_green,
            rules: used,
        }
    }

    /// The rules matching a parcel with these facts, most specific first; among equals, the
    /// later in the file first. Each metric takes the first that sets it.
    fn ranked(&self, facts: &ParcelFacts<'_>) -> Vec<usize> {
        let mut matching: Vec<usize> = (0..self.rules.len())
            .filter(|&i| self.rules[i].matches(facts))
            .collect();
        matching.sort_by(|&a, &b| {
            (self.rules[b].specificity(), b).cmp(&(self.rules[a].specificity(), a))
        });
        matching
    }
}

/// A rule's value for one metric (`None` when it leaves it).
type MinimumOf = fn(&Rule) -> Option<f64>;

/// The values a rule can set, by their config keys, in the order of [`Thresholds`].
const METRICS: [(&str, MinimumOf); 9] = [
    ("min_investment_per_mu", |r| r.min_investment_per_mu),
    ("min_tax_per_mu", |r| r.min_tax_per_mu),
    ("min_output_per_mu", |r| r.min_output_per_mu),
    ("min_plot_ratio", |r| r.min_plot_ratio),
    ("contract_shortfall", |r| r.contract_shortfall),
    ("max_plot_ratio", |r| r.max_plot_ratio),
    ("min_building_density", |r| r.min_building_density),
    ("max_building_density", |r| r.max_building_density),
    ("max_green_ratio", |r| r.max_green_ratio),
];

/// Two rules that match the same parcel, are as specific as each other and set one metric to
/// different values: file order decides (the later is applied), which a reader of the config
/// would not guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Tie {
    /// The metric's key, as the config writes it (`min_plot_ratio`).
    pub metric: &'static str,
    /// The rule applied (the later in the file).
    pub applied: usize,
    /// The rule passed over.
    pub passed: usize,
}

impl LowEfficiencyConfig {
    /// The [`Tie`]s among the rules matching a parcel with these facts, as
    /// [`thresholds_for`](Self::thresholds_for) resolves them.
    pub(crate) fn ties_for(&self, facts: &ParcelFacts<'_>) -> Vec<Tie> {
        let ranked = self.ranked(facts);
        let mut ties = Vec::new();
        for (metric, get) in METRICS {
            let mut setting = (ranked.iter().copied()).filter(|&i| get(&self.rules[i]).is_some());
            let Some(applied) = setting.next() else {
                continue;
            };
            let top = self.rules[applied].specificity();
            for passed in setting.take_while(|&i| self.rules[i].specificity() == top) {
                if get(&self.rules[passed]) != get(&self.rules[applied]) {
                    ties.push(Tie {
                        metric,
                        applied,
                        passed,
                    });
                }
            }
        }
        ties
    }
}

/// Which rules, and which of their criteria, the parcels of an audit met: what tells a rule
/// that matches no parcel ([`RulesSeen::unmatched`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct RulesSeen {
    /// Per rule: whether some parcel met all its criteria, then each criterion on its own
    /// (industry, status, park, land use).
    met: Vec<[bool; 5]>,
    /// Whether some parcel had an industry; a land-use class.
    industry_known: bool,
    land_use_known: bool,
}

impl RulesSeen {
    /// Nothing seen yet, for the rules of `config`.
    pub(crate) fn new(config: &LowEfficiencyConfig) -> RulesSeen {
        RulesSeen {
            met: vec![[false; 5]; config.rules.len()],
            ..RulesSeen::default()
        }
    }

    /// Notes the rules a parcel with these facts meets.
    pub(crate) fn see(&mut self, config: &LowEfficiencyConfig, facts: &ParcelFacts<'_>) {
        self.industry_known |= facts.industry.is_some();
        self.land_use_known |= facts.land_use.is_some();
        for (rule, met) in config.rules.iter().zip(&mut self.met) {
            let each = rule.criteria_met(facts);
            met[0] |= each.iter().all(|m| *m);
            for (seen, m) in met[1..].iter_mut().zip(each) {
                *seen |= m;
            }
        }
    }

    /// The rules no parcel seen matched, each with why in words: the criteria no parcel met
    /// (and, when no parcel had an industry or a land-use class at all, the `[fields]` key to
    /// check), or that no parcel met them all together.
    pub(crate) fn unmatched(&self, config: &LowEfficiencyConfig) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for (i, (rule, met)) in config.rules.iter().zip(&self.met).enumerate() {
            if met[0] {
                continue;
            }
            let mut why = Vec::new();
            if let Some(v) = &rule.industry
                && !met[1]
            {
                why.push(if self.industry_known {
                    format!(
                        "no parcel's industry (its own, or else its main tenant's) falls \
                         under {v:?}"
                    )
                } else {
                    "no parcel has an industry, of its own or from its main tenant (are the \
                     codes under another name? see [fields] industry and \
                     [fields.enterprises] industry)"
                        .to_string()
                });
            }
            if let Some(s) = rule.status
                && !met[2]
            {
                why.push(format!("no parcel is {:?}", s.as_str()));
            }
            if let Some(p) = &rule.park
                && !met[3]
            {
                why.push(format!("no parcel lies in park {p:?}"));
            }
            if let Some(v) = &rule.land_use
                && !met[4]
            {
                why.push(if self.land_use_known {
                    format!("no parcel's land use starts with {v:?}")
                } else {
                    "no parcel has a land-use class (is it under another name? see \
                     [fields] land_use)"
                        .to_string()
                });
            }
            if why.is_empty() {
                why.push("no parcel meets all of them together".to_string());
            }
            out.push((i, why.join("; ")));
        }
        out
    }
}

/// What rules match on.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParcelFacts<'a> {
    /// Industry code: the parcel's, else its main tenant's (see the classify stage).
    pub industry: Option<&'a str>,
    /// Land-use class.
    pub land_use: Option<&'a str>,
    /// Status.
    pub status: Status,
    /// Park id, when the parcel is in a park.
    pub park: Option<&'a str>,
}

/// The thresholds that apply to one parcel, and the rules they came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thresholds {
    /// Investment per mu, 万元/亩.
    pub investment_per_mu: Minimum,
    /// Tax per mu, 万元/亩.
    pub tax_per_mu: Minimum,
    /// Output per mu, 万元/亩.
    pub output_per_mu: Minimum,
    /// Plot ratio.
    pub plot_ratio: Minimum,
    /// Fraction of a commitment below which it is missed.
    pub contract_shortfall: f64,
    /// Whether idle parcels are low-efficiency.
    pub idle_is_low_efficiency: bool,
    /// Plot ratio maximum, if any.
    pub max_plot_ratio: Option<f64>,
    /// Building density minimum and maximum (fractions), each if any.
    pub building_density: (Option<f64>, Option<f64>),
    /// Green-space ratio maximum (a fraction), if any.
    pub max_green_ratio: Option<f64>,
    /// Indexes of the rules that supplied at least one value, in file order (empty: base only).
    pub rules: Vec<usize>,
}

/// A parcel's figures, as the classification reads them.
///
/// # Units
/// 万元/亩 for the intensities; plot ratio dimensionless.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Figures {
    /// No enterprise, or zero output.
    pub idle: bool,
    /// Investment per mu.
    pub investment_per_mu: f64,
    /// Tax per mu.
    pub tax_per_mu: f64,
    /// Output per mu.
    pub output_per_mu: f64,
    /// Plot ratio; `None` when no floor area is known.
    pub plot_ratio: Option<f64>,
}

/// The reasons a parcel with these figures is low-efficiency; empty when it is not.
pub fn classify(figures: &Figures, commitments: &Commitments, t: &Thresholds) -> Reasons {
    let mut reasons = Reasons::default();
    if t.investment_per_mu.is_missed_by(figures.investment_per_mu) {
        reasons.push(Reason::Investment);
    }
    if t.tax_per_mu.is_missed_by(figures.tax_per_mu) {
        reasons.push(Reason::Tax);
    }
    if t.output_per_mu.is_missed_by(figures.output_per_mu) {
        reasons.push(Reason::Output);
    }
    if let Some(pr) = figures.plot_ratio
        && t.plot_ratio.is_missed_by(pr)
    {
        reasons.push(Reason::PlotRatio);
    }
    if figures.idle && t.idle_is_low_efficiency {
        reasons.push(Reason::Idle);
    }
    let missed = |commitment: Option<f64>, actual: Option<f64>| match (commitment, actual) {
        (Some(c), Some(a)) => Minimum(t.contract_shortfall * c).is_missed_by(a),
        _ => false,
    };
    if missed(
        commitments.investment_per_mu,
        Some(figures.investment_per_mu),
    ) {
        reasons.push(Reason::ContractInvestment);
    }
    if missed(commitments.tax_per_mu, Some(figures.tax_per_mu)) {
        reasons.push(Reason::ContractTax);
    }
    if missed(commitments.output_per_mu, Some(figures.output_per_mu)) {
        reasons.push(Reason::ContractOutput);
    }
    if missed(commitments.plot_ratio, figures.plot_ratio) {
        reasons.push(Reason::ContractPlotRatio);
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_holds_equality_not_low_and_no_plot_ratio_no_reason() {
        let t = LowEfficiencyConfig::default().thresholds_for(&ParcelFacts::default());
        let f = Figures {
            idle: false,
            investment_per_mu: 120.0,
            tax_per_mu: 14.0,
            output_per_mu: 250.0,
            plot_ratio: None,
        };
        // Investment exactly at its minimum is not low; tax below is; no plot ratio is no reason.
        assert_eq!(
            classify(&f, &Commitments::default(), &t).to_vec(),
            vec![Reason::Tax]
        );
    }

    #[test]
    fn thresholds_for_takes_each_value_from_the_most_specific_rule() {
        let mut config = LowEfficiencyConfig::default();
        config.rules.push(Rule {
            industry: Some("26".into()),
            min_plot_ratio: Some(0.6),
            ..Rule::default()
        });
        config.rules.push(Rule {
            status: Some(Status::New),
            min_investment_per_mu: Some(280.0),
            ..Rule::default()
        });
        let facts = ParcelFacts {
            industry: Some("2614"),
            status: Status::New,
            ..ParcelFacts::default()
        };
        let t = config.thresholds_for(&facts);
        assert_eq!(t.plot_ratio.0, 0.6);
        assert_eq!(t.investment_per_mu.0, 280.0);
        assert_eq!(t.tax_per_mu.0, 15.0); // base
        assert_eq!(t.rules, vec![0, 1]); // both rules supplied a value
    }

    fn figures(inv: f64, tax: f64, out: f64, pr: Option<f64>) -> Figures {
        Figures {
            idle: false,
            investment_per_mu: inv,
            tax_per_mu: tax,
            output_per_mu: out,
            plot_ratio: pr,
        }
    }

    #[test]
    fn equality_is_not_low_and_every_miss_is_listed() {
        let t = LowEfficiencyConfig::default().thresholds_for(&ParcelFacts::default());
        let none = Commitments::default();
        assert!(classify(&figures(120.0, 15.0, 200.0, Some(1.0)), &none, &t).is_empty());
        assert_eq!(
            classify(&figures(119.99, 14.0, 199.0, Some(0.99)), &none, &t).to_vec(),
            vec![
                Reason::Investment,
                Reason::Tax,
                Reason::Output,
                Reason::PlotRatio
            ]
        );
    }

    #[test]
    fn idle_is_a_reason_only_when_configured() {
        let mut c = LowEfficiencyConfig::default();
        let idle = Figures {
            idle: true,
            ..figures(0.0, 0.0, 0.0, None)
        };
        let t = c.thresholds_for(&ParcelFacts::default());
        let r = classify(&idle, &Commitments::default(), &t);
        assert!(r.contains(Reason::Idle));
        c.idle_is_low_efficiency = false;
        let t = c.thresholds_for(&ParcelFacts::default());
        assert!(!classify(&idle, &Commitments::default(), &t).contains(Reason::Idle));
    }

    #[test]
    fn contract_shortfall() {
        let t = LowEfficiencyConfig::default().thresholds_for(&ParcelFacts::default());
        let c = Commitments {
            investment_per_mu: Some(500.0),
            plot_ratio: Some(2.0),
            ..Commitments::default()
        };
        // 249 < 0.5 × 500 is missed; 250 is not. Plot ratio unknown: never a reason.
        assert_eq!(
            classify(&figures(249.0, 20.0, 300.0, None), &c, &t).to_vec(),
            vec![Reason::ContractInvestment]
        );
        assert!(classify(&figures(250.0, 20.0, 300.0, None), &c, &t).is_empty());
    }

    #[test]
    fn most_specific_rule_wins_per_metric() {
        let c = LowEfficiencyConfig {
            rules: vec![
                Rule {
                    industry: Some("2".into()),
                    min_plot_ratio: Some(0.8),
                    min_tax_per_mu: Some(10.0),
                    ..Rule::default()
                },
                Rule {
                    industry: Some("26".into()),
                    min_plot_ratio: Some(0.6),
                    ..Rule::default()
                },
                Rule {
                    industry: Some("26".into()),
                    status: Some(Status::New),
                    min_investment_per_mu: Some(280.0),
                    ..Rule::default()
                },
                Rule {
                    park: Some("K9".into()),
                    min_output_per_mu: Some(1.0),
                    ..Rule::default()
                },
            ],
            ..LowEfficiencyConfig::default()
        };
        let facts = ParcelFacts {
            industry: Some("2614"),
            status: Status::New,
            ..ParcelFacts::default()
        };
        let t = c.thresholds_for(&facts);
        assert_eq!(t.investment_per_mu, Minimum(280.0));
        assert_eq!(t.plot_ratio, Minimum(0.6)); // "26" beats "2"
        assert_eq!(t.tax_per_mu, Minimum(10.0)); // only "2" sets it
        assert_eq!(t.output_per_mu, Minimum(200.0)); // park rule does not match
        assert_eq!(t.rules, vec![0, 1, 2]);
        let existing = ParcelFacts {
            status: Status::Existing,
            ..facts
        };
        assert_eq!(
            c.thresholds_for(&existing).investment_per_mu,
            Minimum(120.0)
        );
        // A GB/T 4754-2017 code written with its section letter matches as its digits, on
        // either side; a letter alone, or a land-use code like M1, is not a section letter.
        let lettered = ParcelFacts {
            industry: Some("C2614"),
            ..facts
        };
        assert_eq!(c.thresholds_for(&lettered).plot_ratio, Minimum(0.6));
        assert_eq!(industry_digits("C26"), "26");
        assert_eq!(industry_digits("C"), "C");
        assert_eq!(industry_digits("CX1"), "CX1");
        assert_eq!(industry_digits("2614"), "2614");
    }

    fn check(rules: Vec<Rule>) -> Result<(), String> {
        LowEfficiencyConfig {
            rules,
            ..LowEfficiencyConfig::default()
        }
        .check()
    }

    fn tax(min: f64) -> Rule {
        Rule {
            min_tax_per_mu: Some(min),
            ..Rule::default()
        }
    }

    fn industry(code: &str, r: Rule) -> Rule {
        Rule {
            industry: Some(code.into()),
            ..r
        }
    }

    /// A rule with no criterion, or an empty prefix (every code starts with ""), matched every
    /// parcel: on the policy fixture every parcel went low under a rule meant for one industry.
    #[test]
    fn a_rule_that_matches_everything_is_refused() {
        let ok = industry("34", tax(10.0));
        let e = check(vec![ok.clone(), tax(1000.0)]).unwrap_err();
        assert_eq!(
            e,
            "[[low_efficiency.rule]] #2: a rule needs at least one of industry, status, park, \
             land_use (for every parcel, set the minimum in [low_efficiency] itself)"
        );
        let named = Rule {
            name: Some("everything".into()),
            ..tax(1000.0)
        };
        let e = check(vec![named]).unwrap_err();
        assert!(
            e.starts_with("[[low_efficiency.rule]] #1 (\"everything\"): a rule needs"),
            "{e}"
        );
        for (rule, key) in [
            (industry("", tax(1000.0)), "industry"),
            (industry(" ", tax(1000.0)), "industry"),
            (
                Rule {
                    park: Some(String::new()),
                    ..ok.clone()
                },
                "park",
            ),
            (
                Rule {
                    land_use: Some(String::new()),
                    ..tax(1000.0)
                },
                "land_use",
            ),
        ] {
            let e = check(vec![ok.clone(), rule]).unwrap_err();
            assert_eq!(
                e,
                format!(
                    "[[low_efficiency.rule]] #2: {key} is empty; an empty {key} would match every parcel"
                )
            );
        }
        assert_eq!(check(vec![ok]), Ok(()));
    }

    #[test]
    fn a_rule_that_sets_nothing_is_refused() {
        let e = check(vec![industry("34", Rule::default())]).unwrap_err();
        assert!(
            e.starts_with(
                "[[low_efficiency.rule]] #1: the rule sets nothing; give it at least one of"
            ),
            "{e}"
        );
        let shortfall_only = Rule {
            contract_shortfall: Some(0.8),
            ..industry("34", Rule::default())
        };
        assert_eq!(check(vec![shortfall_only]), Ok(()));
    }

    /// Two rules on the same criteria: the later won silently. Refused, equal values too (a
    /// leftover copy); a more specific rule on overlapping criteria is what specificity is for.
    #[test]
    fn two_rules_with_the_same_criteria_are_refused() {
        let named = |name: &str, r: Rule| Rule {
            name: Some(name.into()),
            ..r
        };
        let e = check(vec![
            industry("34", tax(10.0)),
            industry("26", tax(5.0)),
            named("again", industry("34", tax(1000.0))),
        ])
        .unwrap_err();
        assert_eq!(
            e,
            "[[low_efficiency.rule]] #3 (\"again\") has the same criteria (industry = \"34\") as \
             [[low_efficiency.rule]] #1: they set min_tax_per_mu 10 and 1000; merge them into one rule"
        );
        let new = |r: Rule| Rule {
            status: Some(Status::New),
            ..r
        };
        let e = check(vec![
            new(industry("34", tax(10.0))),
            new(industry("34", tax(10.0))),
        ])
        .unwrap_err();
        assert_eq!(
            e,
            "[[low_efficiency.rule]] #2 has the same criteria (industry = \"34\", status = \"new\") \
             as [[low_efficiency.rule]] #1: a duplicate; merge them into one rule"
        );
        // Overlapping but not the same: "34" then "34" for new projects, "3" then "34".
        assert_eq!(
            check(vec![
                industry("34", tax(10.0)),
                new(industry("34", tax(20.0))),
                industry("3", tax(5.0)),
            ]),
            Ok(())
        );
    }

    /// Parcels list their rules by name: two rules of one name (a given one, or one equal to
    /// another rule's default `rule N`) could not be told apart, nor a name with the `;`
    /// parcels.csv joins names with.
    #[test]
    fn rule_names_must_tell_rules_apart() {
        let named = |name: &str, r: Rule| Rule {
            name: Some(name.into()),
            ..r
        };
        let e = check(vec![
            named("化工", industry("26", tax(10.0))),
            named("化工", industry("27", tax(10.0))),
        ])
        .unwrap_err();
        assert_eq!(
            e,
            "[[low_efficiency.rule]] #2 (\"化工\") has the name \"化工\", as \
             [[low_efficiency.rule]] #1 (\"化工\") has: a parcel's rules could not tell them \
             apart; rename one"
        );
        let e = check(vec![
            industry("26", tax(10.0)),
            named("rule 1", industry("27", tax(10.0))),
        ])
        .unwrap_err();
        assert!(e.starts_with("[[low_efficiency.rule]] #2 (\"rule 1\") has the name \"rule 1\", as [[low_efficiency.rule]] #1 has"), "{e}");
        let e = check(vec![named("a;b", industry("26", tax(10.0)))]).unwrap_err();
        assert!(e.contains("holds a \";\""), "{e}");
        let e = check(vec![named(" ", industry("26", tax(10.0)))]).unwrap_err();
        assert!(
            e.ends_with("name is empty; give it one or leave it out"),
            "{e}"
        );
        assert_eq!(
            check(vec![
                named("化工", industry("26", tax(10.0))),
                named("医药", industry("27", tax(10.0))),
            ]),
            Ok(())
        );
    }

    #[test]
    fn rule_errors_count_from_1_as_rule_names_do() {
        let rules = vec![industry("34", tax(10.0)), industry("26", tax(-1.0))];
        assert_eq!(
            check(rules.clone()).unwrap_err(),
            "[[low_efficiency.rule]] #2: min_tax_per_mu must be a finite number ≥ 0, found -1"
        );
        let c = LowEfficiencyConfig {
            rules,
            ..LowEfficiencyConfig::default()
        };
        assert_eq!(c.rule_name(1), "rule 2"); // what a parcel's `rules` would list
    }
}

/// Property tests (proptest) of the classification's laws.
#[cfg(test)]
mod laws {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn raising_every_figure_never_adds_a_reason(
            inv in 0.0f64..500.0, tax in 0.0f64..50.0, out in 0.0f64..800.0, pr in 0.0f64..3.0,
            bump in 0.0f64..100.0,
        ) {
            let t = LowEfficiencyConfig::default().thresholds_for(&ParcelFacts::default());
            let c = Commitments { investment_per_mu: Some(300.0), tax_per_mu: Some(20.0), output_per_mu: None, plot_ratio: Some(1.5) };
            let f = Figures { idle: false, investment_per_mu: inv, tax_per_mu: tax, output_per_mu: out, plot_ratio: Some(pr) };
            let g = Figures { idle: false, investment_per_mu: inv + bump, tax_per_mu: tax + bump, output_per_mu: out + bump, plot_ratio: Some(pr + bump) };
            let (rf, rg) = (classify(&f, &c, &t), classify(&g, &c, &t));
            prop_assert!(rg.iter().all(|r| rf.contains(r)), "{rf:?} → {rg:?}");
        }
    }
}
