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

/// Converts square metres to mu (亩).
///
/// ```
/// assert_eq!(land_efficiency::units::m2_to_mu(10_000.0), 15.0);
/// ```
#[inline]
pub fn m2_to_mu(area_m2: f64) -> f64 {
    area_m2 / M2_PER_MU
}

/// Converts mu (亩) to square metres.
///
/// ```
/// assert_eq!(land_efficiency::units::mu_to_m2(15.0), 10_000.0);
/// ```
#[inline]
pub fn mu_to_m2(area_mu: f64) -> f64 {
    area_mu * M2_PER_MU
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
/// ```
#[inline]
pub fn per_mu(amount: f64, area_m2: f64) -> f64 {
    amount / m2_to_mu(area_m2)
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
