//! Units and their conversions, written once.
//!
//! Inside the crate areas are in square metres (m²), money in 万元 (10⁴ CNY, annual), and
//! intensities in 万元 per mu (万元/亩). Conversions to mu happen here and nowhere else.
//!
//! | quantity | unit | note |
//! |---|---|---|
//! | area | m² | 1 mu (亩) = 10000/15 m² exactly; 1 ha = 15 mu |
//! | money | 万元 | tax, investment, output, value added |
//! | intensity | 万元/亩 | computed from m² at the last step |
//! | plot ratio | m²/m² | floor area over land area |
//! | ratios, shares | fraction in [0, 1] | printed as percent only for people |
//!
//! The conversions go through the exact hectare (15 mu = 10 000 m²) rather than divide by
//! [`M2_PER_MU`], which is itself rounded: when the products are exact, as they are for areas
//! and amounts written with few digits, the result is rounded once, so a figure exactly at a
//! threshold compares equal to it ("equality is not low"). Dividing by a rounded mu gave
//! 472.5 万元 on 21 000 m² (31.5 mu) as 14.999999999999998 万元/亩, below a minimum of 15.

/// Square metres in one mu (亩): exactly 10 000 / 15, never 666.67.
///
/// ```
/// use land_efficiency::units::M2_PER_MU;
/// // A 100 m × 100 m parcel is exactly 15 mu.
/// assert_eq!(10_000.0 / M2_PER_MU, 15.0);
/// ```
pub const M2_PER_MU: f64 = 10_000.0 / 15.0;

/// Square metres in one hectare (公顷).
pub const M2_PER_HA: f64 = 10_000.0;

/// Mu in one hectare: exactly 15.
pub const MU_PER_HA: f64 = 15.0;

/// The largest figure an input may hold (万元, m², tce, people, ...): 10¹⁵, ten thousand times
/// China's GDP in 万元. Bounded so that sums over any number of records and per-mu figures of
/// the smallest parcel stay finite: two tenants of 1e308 万元 summed to infinity, written as
/// `null`, and scored as class A.
pub const MAX_FIGURE: f64 = 1e15;

/// Converts square metres to mu (亩).
///
/// ```
/// assert_eq!(land_efficiency::units::m2_to_mu(10_000.0), 15.0);
/// assert_eq!(land_efficiency::units::m2_to_mu(21_000.0), 31.5);
/// ```
#[inline]
pub fn m2_to_mu(area_m2: f64) -> f64 {
    area_m2 * MU_PER_HA / M2_PER_HA
}

/// Converts mu (亩) to square metres.
///
/// ```
/// assert_eq!(land_efficiency::units::mu_to_m2(15.0), 10_000.0);
/// ```
#[inline]
pub fn mu_to_m2(area_mu: f64) -> f64 {
    area_mu * M2_PER_HA / MU_PER_HA
}

/// Converts 万元 per hectare to 万元 per mu (the national 2004/2008 tables use 万元/公顷).
///
/// ```
/// assert_eq!(land_efficiency::units::per_ha_to_per_mu(1500.0), 100.0);
/// ```
#[inline]
pub fn per_ha_to_per_mu(value_per_ha: f64) -> f64 {
    value_per_ha / MU_PER_HA
}

/// An amount (万元, or any additive quantity) per mu of an area given in m².
///
/// # Units
/// - `amount`: any unit `U` (万元 for money)
/// - `area_m2`: m², must be > 0
/// - return value: `U` per mu
///
/// ```
/// // 300 万元 of tax on a 100 m × 100 m (15 mu) parcel is 20 万元/亩.
/// assert_eq!(land_efficiency::units::per_mu(300.0, 10_000.0), 20.0);
/// // 472.5 万元 on 21 000 m² (31.5 mu) is exactly 15 万元/亩, not a hair below.
/// assert_eq!(land_efficiency::units::per_mu(472.5, 21_000.0), 15.0);
/// ```
#[inline]
pub fn per_mu(amount: f64, area_m2: f64) -> f64 {
    amount * M2_PER_HA / (MU_PER_HA * area_m2)
}

/// The unit a per-land-area threshold is written in, in the config: what the source uses.
///
/// 1 万元/公顷 is 10 000 元 on 10 000 m², so 1 元/m²; and 1 万元/亩 is 15 of either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntensityUnit {
    /// 万元/亩, the crate's own.
    WanYuanPerMu,
    /// 万元/公顷 (the national 2004/2008 tables, TD/T 1029).
    WanYuanPerHa,
    /// 元/m² (元/平方米).
    YuanPerM2,
}

impl IntensityUnit {
    /// The unit as the config writes it: `万元/亩`, `万元/公顷`, `元/m²` (also `元/m2`,
    /// `元/平方米`); `None` for another.
    pub fn parse(text: &str) -> Option<IntensityUnit> {
        match text.trim() {
            "万元/亩" => Some(IntensityUnit::WanYuanPerMu),
            "万元/公顷" | "万元/ha" | "万元/hm²" | "万元/hm2" => {
                Some(IntensityUnit::WanYuanPerHa)
            }
            "元/m²" | "元/m2" | "元/平方米" => Some(IntensityUnit::YuanPerM2),
            _ => None,
        }
    }

    /// A value in this unit in 万元/亩: one division by 15 for 万元/公顷 and 元/m², so a value
    /// that is 15 times a 万元/亩 figure comes out as that figure, rounded once.
    ///
    /// ```
    /// use land_efficiency::units::IntensityUnit;
    /// assert_eq!(IntensityUnit::WanYuanPerHa.to_per_mu(225.0), 15.0);
    /// assert_eq!(IntensityUnit::YuanPerM2.to_per_mu(225.0), 15.0);
    /// assert_eq!(IntensityUnit::WanYuanPerMu.to_per_mu(15.0), 15.0);
    /// ```
    pub fn to_per_mu(self, value: f64) -> f64 {
        match self {
            IntensityUnit::WanYuanPerMu => value,
            // 1 万元/公顷 = 1 元/m² = 1/15 万元/亩.
            IntensityUnit::WanYuanPerHa | IntensityUnit::YuanPerM2 => per_ha_to_per_mu(value),
        }
    }
}

/// A per-mu threshold as the config writes it: a number in 万元/亩, or a table with its unit
/// (`{ value = 225, unit = "万元/公顷" }`), converted to 万元/亩.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Written {
    PerMu(f64),
    InUnit { value: f64, unit: String },
}

fn written_per_mu<E: serde::de::Error>(w: Written) -> Result<f64, E> {
    match w {
        Written::PerMu(v) => Ok(v),
        Written::InUnit { value, unit } => match IntensityUnit::parse(&unit) {
            Some(u) => Ok(u.to_per_mu(value)),
            None => Err(E::custom(format!(
                "unit {unit:?} is not one of \"万元/亩\", \"万元/公顷\", \"元/m²\""
            ))),
        },
    }
}

/// Reads a per-mu threshold written as a number (万元/亩) or `{ value, unit }`.
pub(crate) fn de_per_mu<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    use serde::Deserialize;
    let w = Written::deserialize(d).map_err(|_| {
        serde::de::Error::custom(
            "expected a number (written without quotes) in 万元/亩, or \
             { value = 225, unit = \"万元/公顷\" } (units 万元/亩, 万元/公顷, 元/m²)",
        )
    })?;
    written_per_mu(w)
}

/// [`de_per_mu`] for a threshold that may be left out.
pub(crate) fn de_per_mu_opt<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<f64>, D::Error> {
    de_per_mu(d).map(Some)
}

/// The unit a recorded area (for example the ZDMJ field with its MJDW unit code) is given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AreaUnit {
    /// Square metres (平方米).
    #[default]
    M2,
    /// Mu (亩).
    Mu,
    /// Hectares (公顷).
    Ha,
}

impl AreaUnit {
    /// Converts a value in this unit to m².
    ///
    /// ```
    /// use land_efficiency::units::AreaUnit;
    /// assert_eq!(AreaUnit::Mu.to_m2(15.0), 10_000.0);
    /// assert_eq!(AreaUnit::Ha.to_m2(1.0), 10_000.0);
    /// ```
    pub fn to_m2(self, value: f64) -> f64 {
        match self {
            AreaUnit::M2 => value,
            AreaUnit::Mu => mu_to_m2(value),
            AreaUnit::Ha => value * M2_PER_HA,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A figure exactly at a threshold comes out at it, not an ulp below. Areas of 125·k m²
        /// and thresholds of n/4 万元/亩 make the amount n·k·3/64 万元, exact in binary.
        #[test]
        fn a_figure_exactly_at_a_threshold_is_computed_exactly(k in 1u32..8_000, n in 1u32..4_000) {
            let area_m2 = 125.0 * f64::from(k);
            let threshold = f64::from(n) / 4.0;
            let amount = f64::from(n) * f64::from(k) * 3.0 / 64.0;
            prop_assert_eq!(per_mu(amount, area_m2), threshold);
            prop_assert_eq!(m2_to_mu(area_m2) * threshold, amount);
        }
    }
}
