//! The domain records: parcels (宗地), enterprises (企业) and parks (园区).
//!
//! Records are built by the readers in [`crate::read`], which validate every feature first;
//! the invariants below hold for every record a reader returns.

use std::borrow::Cow;
use std::ops::Range;

use geo::{Coord, MultiPolygon, Point};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::columns::{OptColumn, OptStrings, Strings, retain_vec};
use crate::dates::Date;
use crate::error::Result;
use crate::shapes::{ShapeRef, Shapes};
use crate::source_text::{InputText, Raw, Span, TextColumn, TextsOf, json_string};

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

/// A negative-list flag (负面清单): a parcel so flagged is low-efficiency whatever its figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NegativeFlag {
    /// Its industry is one the national catalogue eliminates (淘汰类, 《产业结构调整指导目录》).
    EliminatedIndustry,
    /// It is under a work-safety order (安全生产不达标, 责令停产整顿).
    SafetyOrder,
    /// It is under an environmental order (环保不达标).
    EnvironmentOrder,
}

impl NegativeFlag {
    /// Every flag, in the order they are listed.
    pub const ALL: [NegativeFlag; 3] = [
        NegativeFlag::EliminatedIndustry,
        NegativeFlag::SafetyOrder,
        NegativeFlag::EnvironmentOrder,
    ];

    /// The flag as a table or a property writes it: `eliminated_industry` (also `淘汰类`,
    /// `淘汰`), `safety_order` (`安全`), `environment_order` (`环保`, `环境`), case and
    /// surrounding white space aside; `None` for anything else.
    ///
    /// ```
    /// use land_efficiency::NegativeFlag;
    /// assert_eq!(NegativeFlag::parse(" 淘汰类 "), Some(NegativeFlag::EliminatedIndustry));
    /// assert_eq!(NegativeFlag::parse("Safety_Order"), Some(NegativeFlag::SafetyOrder));
    /// assert_eq!(NegativeFlag::parse("限制类"), None);
    /// ```
    pub fn parse(text: &str) -> Option<NegativeFlag> {
        let t = text.trim().to_ascii_lowercase();
        match t.as_str() {
            "eliminated_industry" | "eliminated" | "淘汰类" | "淘汰" => {
                Some(NegativeFlag::EliminatedIndustry)
            }
            "safety_order" | "safety" | "安全" | "安全生产" => {
                Some(NegativeFlag::SafetyOrder)
            }
            "environment_order" | "environment" | "环保" | "环境" => {
                Some(NegativeFlag::EnvironmentOrder)
            }
            _ => None,
        }
    }

    /// `"eliminated_industry"`, `"safety_order"` or `"environment_order"`.
    pub fn as_str(self) -> &'static str {
        match self {
            NegativeFlag::EliminatedIndustry => "eliminated_industry",
            NegativeFlag::SafetyOrder => "safety_order",
            NegativeFlag::EnvironmentOrder => "environment_order",
        }
    }
}

/// What a parcel's record says for the land tests (闲置, 停产, 标准地, 负面清单): dates, the
/// building's footprint and the land's form, and negative-list flags; each optional.
///
/// # Units
/// Footprint in m²; building density and green-space ratio as fractions in [0, 1].
///
/// # Invariants
/// `footprint_m2` is finite and ≥ 0; the two ratios are in [0, 1].
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LandFacts {
    /// Start date the land contract sets (约定动工日期).
    pub contract_start: Option<Date>,
    /// Date building started (实际动工日期); none: not started.
    pub actual_start: Option<Date>,
    /// Date the project was completed (竣工日期), from which contract indicators are checked.
    pub completion: Option<Date>,
    /// Date production stopped (停产日期); none: producing.
    pub stopped_since: Option<Date>,
    /// Date the last tax was paid (最后纳税日期); none: not known.
    pub last_tax: Option<Date>,
    /// Building footprint (建筑基底面积), m².
    pub footprint_m2: Option<f64>,
    /// Building density (建筑密度) as recorded, a fraction; the footprint, when given, is
    /// used instead.
    pub building_density: Option<f64>,
    /// Green-space ratio (绿地率), a fraction.
    pub green_ratio: Option<f64>,
    /// Negative-list flags from the parcel's own record, in the order of [`NegativeFlag::ALL`].
    pub negative: [bool; 3],
}

impl LandFacts {
    /// True when nothing is given.
    pub fn is_empty(&self) -> bool {
        *self == LandFacts::default()
    }

    /// Whether `flag` is set.
    pub fn has(&self, flag: NegativeFlag) -> bool {
        self.negative[flag as usize]
    }

    /// Sets `flag`.
    pub fn flag(&mut self, flag: NegativeFlag) {
        self.negative[flag as usize] = true;
    }
}

/// The [`LandFacts`] of the parcels that have any, by row: nothing is held for the others.
#[derive(Debug, Clone, Default)]
pub(crate) struct LandColumn {
    rows: Vec<u32>,
    facts: Vec<LandFacts>,
}

impl LandColumn {
    fn push(&mut self, row: usize, facts: &LandFacts) {
        if !facts.is_empty() {
            self.rows.push(u32::try_from(row).unwrap_or(u32::MAX));
            self.facts.push(*facts);
        }
    }

    pub(crate) fn get(&self, row: usize) -> LandFacts {
        match self.rows.binary_search(&(row as u32)) {
            Ok(i) => self.facts[i],
            Err(_) => LandFacts::default(),
        }
    }

    fn retain(&mut self, keep: &[bool]) {
        // New row numbers: the count of rows kept before each.
        let mut new_row = Vec::with_capacity(keep.len());
        let mut n = 0u32;
        for &k in keep {
            new_row.push(n);
            n += u32::from(k);
        }
        let mut at = 0;
        for i in 0..self.rows.len() {
            let row = self.rows[i] as usize;
            if keep.get(row).copied().unwrap_or(false) {
                self.rows[at] = new_row[row];
                self.facts[at] = self.facts[i];
                at += 1;
            }
        }
        self.rows.truncate(at);
        self.facts.truncate(at);
    }

    fn shrink_to_fit(&mut self) {
        self.rows.shrink_to_fit();
        self.facts.shrink_to_fit();
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
    /// Dates, land form and negative-list flags for the land tests.
    pub land: LandFacts,
    /// The feature's `properties` as read, kept for output: a JSON object, whose members are
    /// copied into `parcels.geojson` beside the computed ones (a computed name wins). Any
    /// other JSON value (a caller's array or number) is not copied; the readers only ever
    /// give an object.
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
    /// Building footprint (建筑基底面积) it occupies, m²: its parcel's building density when
    /// the parcel gives none.
    pub footprint_m2: Option<f64>,
    /// Above designated size (规上).
    pub above_scale: Option<bool>,
    /// GB/T 4754 industry code.
    pub industry: Option<String>,
    /// Ranking unit (a county, street or park) for `[evaluation] group_by = "unit"`.
    pub unit: Option<String>,
    /// The year it started production (投产年份), for `[evaluation] defer_years`.
    pub start_year: Option<f64>,
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

/// Parcels as columns: shapes in one arena, strings in one buffer. What the readers return
/// and the audit keeps, so that a million parcels fit in a few hundred megabytes.
///
/// # Invariants
/// Every row holds a [`Parcel`]'s invariants (shapes in WGS84 once read, oriented).
#[derive(Debug, Clone, Default)]
pub struct Parcels {
    pub(crate) shapes: Shapes,
    pub(crate) index: Vec<u32>,
    pub(crate) ids: Strings,
    pub(crate) industry: OptStrings,
    pub(crate) land_use: OptStrings,
    pub(crate) status: Vec<Status>,
    pub(crate) floor_area: OptColumn,
    pub(crate) recorded_area: OptColumn,
    pub(crate) planar_area: OptColumn,
    pub(crate) commitments: [OptColumn; 4],
    pub(crate) land: LandColumn,
    /// `properties` as JSON text: held for records pushed by a caller (or a lone feature),
    /// left in the input file for those read from one.
    pub(crate) properties: TextColumn,
    pub(crate) feature_id: OptStrings,
    /// Built by a reader, which checked every row; a row pushed by a caller clears it, and
    /// the audit then checks the table itself.
    pub(crate) validated: bool,
}

/// One row of [`Parcels`], borrowed.
#[derive(Debug, Clone, Copy)]
pub struct ParcelRef<'a> {
    table: &'a Parcels,
    row: usize,
}

impl Parcels {
    /// An empty table.
    pub fn new() -> Self {
        Parcels::default()
    }

    /// Number of parcels.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Appends a parcel, its geometry in WGS84 lon/lat. [`Audit::assess`](crate::audit::Audit::assess)
    /// orients the rings of rows pushed by a caller (exterior counter-clockwise) and checks
    /// them (figures, coordinates finite and in lon/lat range, valid shapes, unique ids) before
    /// it runs.
    pub fn push(&mut self, p: &Parcel) {
        self.validated = false;
        self.push_columns(p);
        self.properties
            .push(p.properties.as_deref().map(RawValue::get), None);
    }

    /// Appends a parcel read from a file, its `properties` either left there at `span` or
    /// given as `text`.
    pub(crate) fn push_read(&mut self, p: &Parcel, span: Option<Span>, text: Option<&str>) {
        self.push_columns(p);
        self.properties.push(text, span);
    }

    fn push_columns(&mut self, p: &Parcel) {
        self.shapes.push(&p.geometry, p.multi);
        self.index.push(u32::try_from(p.index).unwrap_or(u32::MAX));
        self.ids.push(&p.id);
        self.industry.push(p.industry.as_deref());
        self.land_use.push(p.land_use.as_deref());
        self.status.push(p.status);
        self.floor_area.push(p.floor_area_m2);
        self.recorded_area.push(p.recorded_area_m2);
        self.planar_area.push(p.planar_area_m2);
        let c = &p.commitments;
        for (col, v) in self.commitments.iter_mut().zip([
            c.investment_per_mu,
            c.tax_per_mu,
            c.output_per_mu,
            c.plot_ratio,
        ]) {
            col.push(v);
        }
        self.land.push(self.index.len() - 1, &p.land);
        self.feature_id
            .push(p.feature_id.as_deref().map(RawValue::get));
    }

    /// Row `row`.
    ///
    /// # Panics
    /// When `row >= self.len()`.
    pub fn get(&self, row: usize) -> ParcelRef<'_> {
        assert!(row < self.len(), "parcel row {row} of {}", self.len());
        ParcelRef { table: self, row }
    }

    /// Every row, in file order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = ParcelRef<'_>> + '_ {
        (0..self.len()).map(move |row| ParcelRef { table: self, row })
    }

    /// The shapes arena.
    pub fn shapes(&self) -> &Shapes {
        &self.shapes
    }

    /// The `properties` of rows `rows` as JSON text: those held, and those left in the input
    /// read back from `text` (the [`InputText`] its reader returned) with one read; without
    /// it, those left in the input are absent.
    ///
    /// # Errors
    /// [`crate::error::Error::InputChanged`] when the input file cannot be read or its text
    /// changed since.
    pub fn properties(
        &self,
        rows: Range<usize>,
        text: Option<&InputText>,
    ) -> Result<PropertyTexts<'_>> {
        let name = |row| record_name("properties", self.index[row], self.ids.get(row));
        Ok(PropertyTexts(self.properties.texts(rows, text, &name)?))
    }

    /// Whether any parcel's `properties` were left in the input file.
    pub fn text_left_in_input(&self) -> bool {
        self.properties.any_left()
    }

    /// Checks that `text` is the file the parcels' `properties` were left in, if any were.
    ///
    /// # Errors
    /// [`crate::error::Error::Usage`] saying which file to give.
    pub(crate) fn check_text_source(&self, text: Option<&InputText>) -> Result<()> {
        self.properties.check_source(text, "parcels' properties")
    }

    /// Releases spare capacity (after reading).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.shapes.shrink_to_fit();
        self.index.shrink_to_fit();
        self.ids.shrink_to_fit();
        self.industry.shrink_to_fit();
        self.land_use.shrink_to_fit();
        self.status.shrink_to_fit();
        for c in [
            &mut self.floor_area,
            &mut self.recorded_area,
            &mut self.planar_area,
        ] {
            c.shrink_to_fit();
        }
        for c in &mut self.commitments {
            c.shrink_to_fit();
        }
        self.land.shrink_to_fit();
        self.properties.shrink_to_fit();
        self.feature_id.shrink_to_fit();
    }

    /// Keeps the rows for which `keep[row]` is true.
    pub(crate) fn retain(&mut self, keep: &[bool]) {
        self.shapes.retain(keep);
        retain_vec(&mut self.index, keep);
        self.ids.retain(keep);
        self.industry.retain(keep);
        self.land_use.retain(keep);
        retain_vec(&mut self.status, keep);
        self.floor_area.retain(keep);
        self.recorded_area.retain(keep);
        self.planar_area.retain(keep);
        for c in &mut self.commitments {
            c.retain(keep);
        }
        self.land.retain(keep);
        self.properties.retain(keep);
        self.feature_id.retain(keep);
    }
}

impl<'a> ParcelRef<'a> {
    /// Position in the table.
    pub fn row(&self) -> usize {
        self.row
    }
    /// 0-based index of the feature in its file.
    pub fn index(&self) -> usize {
        self.table.index[self.row] as usize
    }
    /// Parcel code.
    pub fn id(&self) -> &'a str {
        self.table.ids.get(self.row)
    }
    /// The shape, borrowed from the arena.
    pub fn shape(&self) -> ShapeRef<'a> {
        self.table.shapes.get(self.row)
    }
    /// The shape as an owned geo MultiPolygon.
    pub fn geometry(&self) -> MultiPolygon<f64> {
        self.shape().to_multipolygon()
    }
    /// True when the input was a MultiPolygon.
    pub fn is_multi(&self) -> bool {
        self.table.shapes.is_multi(self.row)
    }
    /// Area in the input's projected plane, m²; `None` for lon/lat input.
    pub fn planar_area_m2(&self) -> Option<f64> {
        self.table.planar_area.get(self.row)
    }
    /// Industry code.
    pub fn industry(&self) -> Option<&'a str> {
        self.table.industry.get(self.row)
    }
    /// Land-use class.
    pub fn land_use(&self) -> Option<&'a str> {
        self.table.land_use.get(self.row)
    }
    /// New or existing.
    pub fn status(&self) -> Status {
        self.table.status[self.row]
    }
    /// Floor area recorded on the parcel, m².
    pub fn floor_area_m2(&self) -> Option<f64> {
        self.table.floor_area.get(self.row)
    }
    /// Recorded land area, m².
    pub fn recorded_area_m2(&self) -> Option<f64> {
        self.table.recorded_area.get(self.row)
    }
    /// Contract commitments.
    pub fn commitments(&self) -> Commitments {
        let c = &self.table.commitments;
        Commitments {
            investment_per_mu: c[0].get(self.row),
            tax_per_mu: c[1].get(self.row),
            output_per_mu: c[2].get(self.row),
            plot_ratio: c[3].get(self.row),
        }
    }
    /// Dates, land form and negative-list flags for the land tests.
    pub fn land(&self) -> LandFacts {
        self.table.land.get(self.row)
    }
    /// The feature's `properties` as read (JSON text), when held; `None` when it had none or
    /// they were left in the input ([`Parcels::properties`] reads those back).
    pub fn properties(&self) -> Option<&'a str> {
        self.table.properties.held.get(self.row)
    }
    /// The feature's GeoJSON `id` as read (JSON text).
    pub fn feature_id(&self) -> Option<&'a str> {
        self.table.feature_id.get(self.row)
    }
}

/// The `properties` texts of a range of parcels, from [`Parcels::properties`].
pub struct PropertyTexts<'a>(TextsOf<'a>);

impl PropertyTexts<'_> {
    /// The `properties` of row `row` (within the range asked for) as JSON text.
    pub fn get(&self, row: usize) -> Option<&str> {
        match self.0.held_or_raw(row)? {
            Raw::Held(t) | Raw::Json(t) => Some(t),
        }
    }
}

/// The names of a range of enterprises, from [`Enterprises::names`].
pub struct NameTexts<'a>(TextsOf<'a>);

impl NameTexts<'_> {
    /// The name of row `row` (within the range asked for).
    pub fn get(&self, row: usize) -> Option<Cow<'_, str>> {
        match self.0.held_or_raw(row)? {
            Raw::Held(t) => Some(Cow::Borrowed(t)),
            Raw::Json(t) => json_string(t),
        }
    }
}

/// "properties of feature 3 (P2)", for an error about a text left in the input.
fn record_name(what: &str, index: u32, id: &str) -> String {
    format!("{what} of feature {index} ({id})")
}

/// Where a rejected enterprise record said it stood: its point (WGS84 once read) or the
/// parcel id it named. A parcel holding one is not judged on its tenants' figures, which
/// leave that record out.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Place {
    Point(Coord<f64>),
    Key(String),
}

/// Some of an enterprise's values used only in grading, a bit each: those of a firm that
/// could not be read (see [`Enterprises::ungraded`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct GradingValues(pub(crate) u16);

impl GradingValues {
    pub(crate) const VALUE_ADDED: Self = Self(1);
    pub(crate) const ENERGY: Self = Self(1 << 1);
    pub(crate) const EMISSIONS: Self = Self(1 << 2);
    pub(crate) const RD_SPEND: Self = Self(1 << 3);
    pub(crate) const ELECTRICITY: Self = Self(1 << 4);
    pub(crate) const EMPLOYEES: Self = Self(1 << 5);
    pub(crate) const FLOOR_AREA: Self = Self(1 << 6);
    pub(crate) const ABOVE_SCALE: Self = Self(1 << 7);
    pub(crate) const EXEMPT: Self = Self(1 << 8);
    pub(crate) const START_YEAR: Self = Self(1 << 9);
    pub(crate) const NONE: Self = Self(0);

    /// These and `other`.
    pub(crate) const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// True when any of `other` is among these.
    pub(crate) fn any_of(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }
}

/// Enterprises as columns.
#[derive(Debug, Clone, Default)]
pub struct Enterprises {
    pub(crate) index: Vec<u32>,
    pub(crate) ids: Strings,
    /// Names: held for records pushed by a caller, left in a GeoJSON file read.
    pub(crate) names: TextColumn,
    pub(crate) money: Vec<[f64; 3]>,
    pub(crate) value_added: OptColumn,
    pub(crate) energy: OptColumn,
    pub(crate) emissions: OptColumn,
    pub(crate) rd_spend: OptColumn,
    pub(crate) electricity: OptColumn,
    pub(crate) employees: OptColumn,
    pub(crate) floor_area: OptColumn,
    pub(crate) footprint: OptColumn,
    pub(crate) above_scale: Vec<Option<bool>>,
    pub(crate) industry: OptStrings,
    pub(crate) unit: OptStrings,
    pub(crate) start_year: OptColumn,
    pub(crate) exempt: Vec<bool>,
    pub(crate) location: Vec<Coord<f64>>,
    pub(crate) parcel_id: OptStrings,
    /// Records rejected while reading, by feature index, where they said they stood (in no
    /// order: parsed in parallel).
    pub(crate) rejected_places: Vec<(usize, Place)>,
    /// As for [`Parcels`]: a reader's table, every row checked.
    pub(crate) validated: bool,
    /// Firms kept with values used only in grading that could not be read, by feature index
    /// (ascending: pushed in file order): which values, and what was found.
    pub(crate) ungraded: Vec<(u32, GradingValues, Box<str>)>,
}

impl Enterprises {
    /// An empty table.
    pub fn new() -> Self {
        Enterprises::default()
    }

    /// Number of enterprises.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Appends an enterprise. [`Audit::assess`](crate::audit::Audit::assess) checks rows pushed by
    /// a caller (figures finite, ≥ 0 and at most [`MAX_FIGURE`](crate::units::MAX_FIGURE),
    /// a location finite and in WGS84 lon/lat range, unique ids) before it runs.
    pub fn push(&mut self, e: &Enterprise) {
        self.validated = false;
        self.push_read(e, None);
    }

    /// Appends an enterprise read from a file, its name left there at `span` if given.
    pub(crate) fn push_read(&mut self, e: &Enterprise, name_span: Option<Span>) {
        self.index.push(u32::try_from(e.index).unwrap_or(u32::MAX));
        self.ids.push(&e.id);
        match name_span {
            Some(span) => self.names.push(None, Some(span)),
            None => self.names.push(e.name.as_deref(), None),
        }
        self.money.push([e.tax, e.investment, e.output]);
        self.value_added.push(e.value_added);
        self.energy.push(e.energy_tce);
        self.emissions.push(e.emissions_t);
        self.rd_spend.push(e.rd_spend);
        self.electricity.push(e.electricity_10k_kwh);
        self.employees.push(e.employees);
        self.floor_area.push(e.floor_area_m2);
        self.footprint.push(e.footprint_m2);
        self.above_scale.push(e.above_scale);
        self.industry.push(e.industry.as_deref());
        self.unit.push(e.unit.as_deref());
        self.start_year.push(e.start_year);
        self.exempt.push(e.exempt);
        self.location.push(e.location.map_or(
            Coord {
                x: f64::NAN,
                y: f64::NAN,
            },
            |p| p.0,
        ));
        self.parcel_id.push(e.parcel_id.as_deref());
    }

    /// Row `row` as an owned record, its name when held (`None` when it was left in the
    /// input: [`Enterprises::names`] reads those back).
    ///
    /// # Panics
    /// When `row >= self.len()`.
    pub fn get(&self, row: usize) -> Enterprise {
        let mut e = self.record(row);
        e.name = self.names.held.get(row).map(str::to_string);
        e
    }

    /// The names of rows `rows`: those held, and those left in the input read back from
    /// `text` (the [`InputText`] its reader returned) with one read; without it, those left in
    /// the input are absent.
    ///
    /// # Errors
    /// [`crate::error::Error::InputChanged`] when the input file cannot be read or its text
    /// changed since.
    pub fn names(&self, rows: Range<usize>, text: Option<&InputText>) -> Result<NameTexts<'_>> {
        let name = |row| record_name("name", self.index[row], self.ids.get(row));
        Ok(NameTexts(self.names.texts(rows, text, &name)?))
    }

    /// Whether any enterprise's name was left in the input file.
    pub fn text_left_in_input(&self) -> bool {
        self.names.any_left()
    }

    /// Checks that `text` is the file the enterprises' names were left in, if any were.
    ///
    /// # Errors
    /// [`crate::error::Error::Usage`] saying which file to give.
    pub(crate) fn check_text_source(&self, text: Option<&InputText>) -> Result<()> {
        self.names.check_source(text, "enterprises' names")
    }

    /// Row `row` as an owned record without its name.
    pub(crate) fn record(&self, row: usize) -> Enterprise {
        let [tax, investment, output] = self.money[row];
        Enterprise {
            index: self.index[row] as usize,
            id: self.ids.get(row).to_string(),
            name: None,
            tax,
            investment,
            output,
            value_added: self.value_added.get(row),
            energy_tce: self.energy.get(row),
            emissions_t: self.emissions.get(row),
            rd_spend: self.rd_spend.get(row),
            electricity_10k_kwh: self.electricity.get(row),
            employees: self.employees.get(row),
            floor_area_m2: self.floor_area.get(row),
            footprint_m2: self.footprint.get(row),
            above_scale: self.above_scale[row],
            industry: self.industry.get(row).map(str::to_string),
            unit: self.unit.get(row).map(str::to_string),
            start_year: self.start_year.get(row),
            exempt: self.exempt[row],
            location: self.location(row).map(Point),
            parcel_id: self.parcel_id.get(row).map(str::to_string),
        }
    }

    /// The id of row `row`.
    pub fn id(&self, row: usize) -> &str {
        self.ids.get(row)
    }

    /// Notes that the row last pushed has `values` (used only in grading) that could not be
    /// read, for `reason`; nothing for `None`.
    pub(crate) fn set_ungraded(&mut self, unread: Option<(GradingValues, String)>) {
        if let (Some((values, reason)), Some(&index)) = (unread, self.index.last()) {
            self.ungraded.push((index, values, reason.into()));
        }
    }

    /// The values of row `row` used only in grading that could not be read, and what was
    /// found; `None` when every one was read.
    pub(crate) fn ungraded(&self, row: usize) -> Option<(GradingValues, &str)> {
        if self.ungraded.is_empty() {
            return None;
        }
        let index = self.index[row];
        let at = (self.ungraded)
            .binary_search_by_key(&index, |(i, _, _)| *i)
            .ok()?;
        let (_, values, reason) = &self.ungraded[at];
        Some((*values, reason))
    }

    /// The location of row `row`, if it has one (and the locations are still kept).
    pub fn location(&self, row: usize) -> Option<Coord<f64>> {
        self.location.get(row).copied().filter(|c| !c.x.is_nan())
    }

    /// Drops the locations: once enterprises are joined nothing needs them, and at a million
    /// enterprises they are 20 MB.
    pub(crate) fn forget_locations(&mut self) {
        self.location = Vec::new();
    }

    /// The parcel key of row `row`, if it has one.
    pub fn parcel_key(&self, row: usize) -> Option<&str> {
        self.parcel_id.get(row)
    }

    /// Tax, investment and output of row `row`, 万元.
    pub fn money(&self, row: usize) -> [f64; 3] {
        self.money[row]
    }

    /// Floor area of row `row`, m².
    pub fn floor_area_m2(&self, row: usize) -> Option<f64> {
        self.floor_area.get(row)
    }

    /// The building footprint of row `row`, m².
    pub fn footprint_m2(&self, row: usize) -> Option<f64> {
        self.footprint.get(row)
    }

    pub(crate) fn set_location(&mut self, row: usize, c: Coord<f64>) {
        self.location[row] = c;
    }

    /// Releases spare capacity (after reading).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.index.shrink_to_fit();
        self.ids.shrink_to_fit();
        self.names.shrink_to_fit();
        self.money.shrink_to_fit();
        for c in [
            &mut self.value_added,
            &mut self.energy,
            &mut self.emissions,
            &mut self.rd_spend,
            &mut self.electricity,
            &mut self.employees,
            &mut self.floor_area,
            &mut self.footprint,
        ] {
            c.shrink_to_fit();
        }
        self.above_scale.shrink_to_fit();
        self.industry.shrink_to_fit();
        self.unit.shrink_to_fit();
        self.start_year.shrink_to_fit();
        self.exempt.shrink_to_fit();
        self.location.shrink_to_fit();
        self.parcel_id.shrink_to_fit();
        self.ungraded.shrink_to_fit();
    }

    /// Keeps the rows for which `keep[row]` is true.
    pub(crate) fn retain(&mut self, keep: &[bool]) {
        retain_vec(&mut self.index, keep);
        self.ids.retain(keep);
        self.names.retain(keep);
        retain_vec(&mut self.money, keep);
        for c in [
            &mut self.value_added,
            &mut self.energy,
            &mut self.emissions,
            &mut self.rd_spend,
            &mut self.electricity,
            &mut self.employees,
            &mut self.floor_area,
            &mut self.footprint,
        ] {
            c.retain(keep);
        }
        retain_vec(&mut self.above_scale, keep);
        self.industry.retain(keep);
        self.unit.retain(keep);
        self.start_year.retain(keep);
        retain_vec(&mut self.exempt, keep);
        retain_vec(&mut self.location, keep);
        self.parcel_id.retain(keep);
    }
}

/// Parks as columns.
#[derive(Debug, Clone, Default)]
pub struct Parks {
    pub(crate) shapes: Shapes,
    pub(crate) index: Vec<u32>,
    pub(crate) ids: Strings,
    pub(crate) names: OptStrings,
    /// As for [`Parcels`]: a reader's table, every row checked.
    pub(crate) validated: bool,
}

impl Parks {
    /// An empty table.
    pub fn new() -> Self {
        Parks::default()
    }

    /// Number of parks.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Appends a park, its geometry in WGS84 lon/lat. [`Audit::assess`](crate::audit::Audit::assess)
    /// orients the rings of rows pushed by a caller and checks them (coordinates finite and in
    /// lon/lat range, valid shapes, unique ids) before it runs.
    pub fn push(&mut self, p: &Park) {
        self.validated = false;
        self.shapes.push(&p.geometry, p.multi);
        self.index.push(u32::try_from(p.index).unwrap_or(u32::MAX));
        self.ids.push(&p.id);
        self.names.push(p.name.as_deref());
    }

    /// Row `row` as an owned record.
    ///
    /// # Panics
    /// When `row >= self.len()`.
    pub fn get(&self, row: usize) -> Park {
        Park {
            index: self.index[row] as usize,
            id: self.ids.get(row).to_string(),
            name: self.names.get(row).map(str::to_string),
            geometry: self.shapes.get(row).to_multipolygon(),
            multi: self.shapes.is_multi(row),
        }
    }

    /// The id of row `row`.
    pub fn id(&self, row: usize) -> &str {
        self.ids.get(row)
    }

    /// The shapes arena.
    pub fn shapes(&self) -> &Shapes {
        &self.shapes
    }

    /// Releases spare capacity (after reading).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.shapes.shrink_to_fit();
        self.index.shrink_to_fit();
        self.ids.shrink_to_fit();
        self.names.shrink_to_fit();
    }

    /// Keeps the rows for which `keep[row]` is true.
    pub(crate) fn retain(&mut self, keep: &[bool]) {
        self.shapes.retain(keep);
        retain_vec(&mut self.index, keep);
        self.ids.retain(keep);
        self.names.retain(keep);
    }
}

/// An enterprise class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Class {
    /// 优先发展 (priority development).
    A,
    /// 鼓励提升 (encouraged to improve).
    B,
    /// 规范转型 (regulated transformation).
    C,
    /// 调控帮扶 (controlled, assisted).
    D,
}

impl Class {
    /// `"A"` … `"D"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::A => "A",
            Class::B => "B",
            Class::C => "C",
            Class::D => "D",
        }
    }

    /// Parses `"A"` … `"D"` (case-insensitive), with or without `类` after it as Chinese
    /// tables write it (`"D类"`).
    ///
    /// ```
    /// use land_efficiency::Class;
    /// assert_eq!(Class::parse("d"), Some(Class::D));
    /// assert_eq!(Class::parse("A类"), Some(Class::A));
    /// assert_eq!(Class::parse("E"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Class> {
        let s = s.trim();
        match s
            .strip_suffix('类')
            .unwrap_or(s)
            .trim_end()
            .to_ascii_uppercase()
            .as_str()
        {
            "A" => Some(Class::A),
            "B" => Some(Class::B),
            "C" => Some(Class::C),
            "D" => Some(Class::D),
            _ => None,
        }
    }
}
