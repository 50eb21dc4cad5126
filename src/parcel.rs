//! The domain records: parcels (宗地), enterprises (企业) and parks (园区).
//!
//! Records are built by the readers in [`crate::read`], which validate every feature first;
//! the invariants below hold for every record a reader returns.

use geo::{MultiPolygon, Point};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// Whether a parcel was supplied within the evaluation window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Supplied within the evaluation window (新增); new-project thresholds apply.
    New,
    /// Supplied before it (存量); the default.
    #[default]
    Existing,
}

impl Status {
    /// `"new"` or `"existing"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Existing => "existing",
        }
    }
}

/// Commitments in a parcel's land-supply contract (标准地), each optional.
///
/// # Units
/// 万元/亩 for the three money figures; the plot ratio is dimensionless.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Commitments {
    /// Contracted fixed-asset investment per mu, 万元/亩.
    pub investment_per_mu: Option<f64>,
    /// Contracted tax per mu, 万元/亩.
    pub tax_per_mu: Option<f64>,
    /// Contracted output per mu, 万元/亩.
    pub output_per_mu: Option<f64>,
    /// Contracted plot ratio (容积率).
    pub plot_ratio: Option<f64>,
}

impl Commitments {
    /// True when no commitment is given.
    pub fn is_empty(&self) -> bool {
        self.investment_per_mu.is_none()
            && self.tax_per_mu.is_none()
            && self.output_per_mu.is_none()
            && self.plot_ratio.is_none()
    }
}

/// How a parcel's area was obtained, as written in `area_method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AreaSource {
    /// Geodesic area on the WGS84 ellipsoid from lon/lat.
    Geodesic,
    /// Planar area in the input's projected CRS.
    Planar,
    /// The recorded `land_area` property.
    Recorded,
}

impl AreaSource {
    /// `"geodesic"`, `"planar"` or `"recorded"`.
    pub fn as_str(self) -> &'static str {
        match self {
            AreaSource::Geodesic => "geodesic",
            AreaSource::Planar => "planar",
            AreaSource::Recorded => "recorded",
        }
    }
}

/// A cadastral parcel (宗地) as read and validated.
///
/// # Invariants
/// - `geometry` is valid (OGC), non-empty, in WGS84 lon/lat with exterior rings
///   counter-clockwise and holes clockwise, every coordinate finite.
/// - `planar_area_m2`, when present, is finite and > 0.
/// - `floor_area_m2`, `recorded_area_m2` and every commitment are finite and ≥ 0.
#[derive(Debug, Clone)]
pub struct Parcel {
    /// 0-based index of the feature in its file.
    pub index: usize,
    /// Parcel code (宗地代码), unique within the file.
    pub id: String,
    /// The shape in WGS84 lon/lat.
    pub geometry: MultiPolygon<f64>,
    /// True when the input was a MultiPolygon (kept on output).
    pub multi: bool,
    /// Area in the input's projected plane, m²; `None` for lon/lat input.
    pub planar_area_m2: Option<f64>,
    /// GB/T 4754 industry code.
    pub industry: Option<String>,
    /// Land-use class.
    pub land_use: Option<String>,
    /// New or existing.
    pub status: Status,
    /// Building floor area recorded on the parcel, m².
    pub floor_area_m2: Option<f64>,
    /// Recorded land area (e.g. ZDMJ), converted to m².
    pub recorded_area_m2: Option<f64>,
    /// Land-supply contract commitments.
    pub commitments: Commitments,
    /// The feature's `properties` as read, kept for output.
    pub properties: Option<Box<RawValue>>,
    /// The feature's GeoJSON `id`, as read.
    pub feature_id: Option<Box<RawValue>>,
}

/// An enterprise (企业) with one year's figures.
///
/// # Units
/// Money in 万元 (annual), energy in tonnes of standard coal (tce), emissions in tonnes,
/// floor area in m².
///
/// # Invariants
/// Every figure is finite and ≥ 0; there is a `location`, a `parcel_id`, or both.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Enterprise {
    /// 0-based index of the feature (or CSV data row) in its file.
    pub index: usize,
    /// Unique key (统一社会信用代码 or any).
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Tax paid (税收), 万元.
    pub tax: f64,
    /// Fixed-asset investment (固定资产投资), 万元.
    pub investment: f64,
    /// Output (产值 / 营业收入), 万元.
    pub output: f64,
    /// Industrial value added (工业增加值), 万元.
    pub value_added: Option<f64>,
    /// Energy use (综合能耗), tce.
    pub energy_tce: Option<f64>,
    /// Main pollutant emissions (主要污染物排放量), tonnes.
    pub emissions_t: Option<f64>,
    /// R&D spending (研发经费), 万元.
    pub rd_spend: Option<f64>,
    /// Electricity use (用电量), 万kWh.
    pub electricity_10k_kwh: Option<f64>,
    /// Average number of employees (年平均职工人数).
    pub employees: Option<f64>,
    /// Floor area occupied or rented, m².
    pub floor_area_m2: Option<f64>,
    /// Above designated size (规上).
    pub above_scale: Option<bool>,
    /// GB/T 4754 industry code.
    pub industry: Option<String>,
    /// Listed but not graded in the composite evaluation.
    pub exempt: bool,
    /// Location in WGS84 lon/lat.
    #[serde(skip)]
    pub location: Option<Point<f64>>,
    /// Parcel key; joins by key instead of by location when present.
    pub parcel_id: Option<String>,
}

/// A park (园区) polygon.
///
/// # Invariants
/// `geometry` is valid, non-empty, in WGS84 lon/lat, oriented like a parcel's.
#[derive(Debug, Clone)]
pub struct Park {
    /// 0-based index of the feature in its file.
    pub index: usize,
    /// Park code.
    pub id: String,
    /// Park name.
    pub name: Option<String>,
    /// The shape in WGS84 lon/lat.
    pub geometry: MultiPolygon<f64>,
    /// True when the input was a MultiPolygon.
    pub multi: bool,
}
