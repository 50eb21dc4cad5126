//! The audit's configuration: one TOML file, every field optional with a documented default.
//!
//! ```toml
//! [fields]                      # property names in the parcels file
//! parcel_id = "ZDDM"
//! [fields.enterprises]          # property (or CSV column) names in the enterprises file
//! enterprise_id = "TYSHXYDM"
//! [area]
//! method = "auto"               # auto | geodesic | planar | recorded
//! [low_efficiency]              # low when ANY metric is strictly below its minimum
//! min_investment_per_mu = 120.0 # 万元/亩
//! min_tax_per_mu = 15.0         # 万元/亩
//! min_output_per_mu = 200.0     # 万元/亩
//! min_plot_ratio = 1.0
//! idle_is_low_efficiency = true
//! contract_shortfall = 0.5
//! [[low_efficiency.rule]]       # overrides; the most specific matching rule wins per metric
//! industry = "26"
//! min_plot_ratio = 0.6
//! [park]
//! max_low_efficiency_ratio = 0.30
//! [checks]                      # when an input is wrong as a whole: exit 1, not an answer
//! max_rejected_share = 0.5      # of a layer's records
//! max_unmatched_share = 0.5     # of the enterprises read
//! allow_suspect = false         # true: publish anyway, the suspicions listed
//! [audit]
//! as_of = 2024-12-31            # the date tests' date (闲置, 停产, 未纳税, 标准地), never the clock
//! [report]                      # the heading of report.html
//! title = "苏州工业园区"
//! year = 2024
//! [output]                      # the map layers' formats (the output CRS is [crs] output)
//! formats = ["geojson", "fgb"]  # geojson, fgb, parquet (the `parquet` feature)
//! ```
//!
//! Unknown keys are an error (a misspelt threshold must not silently fall back to its
//! default). The defaults are illustrative; real ones come from local policy, and the files in
//! `fixtures/profiles/` carry some with their sources.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::grade::EvaluationConfig;
use crate::rules::LowEfficiencyConfig;
use crate::units::AreaUnit;

/// The largest configuration file read, 4 MiB: a configuration is a few KiB, even with a
/// rule for every park, so a larger file is the wrong one (`/dev/zero` would be read to the
/// end of memory).
pub(crate) const MAX_CONFIG_BYTES: u64 = 4 << 20;

/// The whole configuration (`[fields]`, `[crs]`, `[output]`, `[area]`, `[low_efficiency]`,
/// `[park]`, `[evaluation]`, `[checks]`, `[report]`, `[audit]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Property-name mapping for the three layers.
    pub fields: Fields,
    /// Coordinate reference systems of the inputs and the output.
    pub crs: CrsConfig,
    /// The formats of the map layers (`[output]`).
    pub output: OutputConfig,
    /// How parcel areas are obtained.
    pub area: AreaConfig,
    /// Low-efficiency thresholds and their overrides.
    pub low_efficiency: LowEfficiencyConfig,
    /// Park-level caps.
    pub park: ParkConfig,
    /// The composite evaluation of enterprises (亩均效益综合评价); off when absent.
    pub evaluation: Option<EvaluationConfig>,
    /// When an input is wrong as a whole (`[checks]`).
    pub checks: ChecksConfig,
    /// The heading of `report.html` (`[report]`).
    pub report: ReportConfig,
    /// The audit's own date (`[audit]`).
    pub audit: AuditConfig,
}

/// `[audit]`: what the audit is as of.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// The date the audit speaks for (`as_of = 2024-12-31`, quoted or not), read as the end of
    /// that day; the date tests (not started, stopped, no tax, contract after completion) run
    /// only with it. Never the machine's clock: an audit run again gives the same answer.
    pub as_of: Option<crate::dates::Date>,
}

impl Config {
    /// Reads a configuration from a TOML file. A relative `[evaluation] adjustments` path is
    /// taken from the file's folder.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read; [`Error::InputTooLarge`] when it is larger
    /// than 4 MiB (a wrong path: a configuration is a few KiB); [`Error::Config`] naming the line and key
    /// when it is not valid (unknown keys included).
    pub fn from_path(path: impl AsRef<Path>) -> Result<Config> {
        let path = path.as_ref();
        let bytes = crate::source_text::read_whole(path, MAX_CONFIG_BYTES, "a configuration file")?;
        // TOML is UTF-8; a config saved as GBK (Notepad's "ANSI" on Chinese Windows) says so
        // with its line rather than as an I/O error.
        let text = String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let line = 1 + e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count();
            Error::Config {
                path: path.to_path_buf(),
                message: format!(
                    "line {line} is not UTF-8 text: save the file as UTF-8 (TOML is UTF-8; a \
                     file saved as GBK or \"ANSI\" reads this way)"
                ),
            }
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let mut config = Config::from_toml(text).map_err(|e| match e {
            Error::Config { message, .. } => Error::Config {
                path: path.to_path_buf(),
                message,
            },
            other => other,
        })?;
        // The tables a configuration names are beside it, wherever the audit runs from.
        let folder = path.parent().unwrap_or(Path::new(""));
        if let Some(table) = config.low_efficiency.negative_list.as_mut() {
            *table = folder.join(&*table);
        }
        if let Some(table) = config
            .evaluation
            .as_mut()
            .and_then(|e| e.adjustments.as_mut())
        {
            *table = folder.join(&*table);
        }
        Ok(config)
    }

    /// Parses a configuration from TOML text.
    ///
    /// ```
    /// let config = land_efficiency::Config::from_toml("[low_efficiency]\nmin_tax_per_mu = 20.0").unwrap();
    /// assert_eq!(config.low_efficiency.min_tax_per_mu, 20.0);
    /// assert_eq!(config.low_efficiency.min_investment_per_mu, 120.0); // default kept
    /// assert!(land_efficiency::Config::from_toml("[low_efficiency]\nmin_tax = 20.0").is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] with the TOML parser's message (line, column, key).
    pub fn from_toml(text: &str) -> Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| Error::Config {
            path: "<config>".into(),
            // serde names Rust types; an analyst reads "a number" (written without quotes).
            message: e
                .to_string()
                .trim_end()
                .replace("expected f64", "expected a number (written without quotes)")
                .replace(
                    "expected u32",
                    "expected a whole number (written without quotes)",
                ),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks values serde cannot: finite, non-negative thresholds, ratios in [0, 1], an
    /// evaluation's bands, thresholds and weights, and that every `[crs]` name is one this
    /// build can use. [`Config::from_toml`] and [`Config::from_path`] call it; so do
    /// [`Audit::run`](crate::audit::Audit::run) and [`Audit::assess`](crate::audit::Audit::assess), for a
    /// configuration built in code or deserialised from elsewhere.
    ///
    /// ```
    /// let mut config = land_efficiency::Config::default();
    /// config.park.max_low_efficiency_ratio = 30.0; // a percentage where a fraction is meant
    /// assert!(config.validate().is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] (path `<config>`) naming the key and the value found.
    pub fn validate(&self) -> Result<()> {
        let bad = |message: String| Error::Config {
            path: "<config>".into(),
            message,
        };
        self.low_efficiency.check().map_err(bad)?;
        let cap = self.park.max_low_efficiency_ratio;
        if !(0.0..=1.0).contains(&cap) {
            return Err(bad(format!(
                "park.max_low_efficiency_ratio must be a fraction in [0, 1], found {cap}"
            )));
        }
        let tol = self.area.recorded_tolerance;
        if !(tol.is_finite() && tol >= 0.0) {
            return Err(bad(format!(
                "area.recorded_tolerance must be ≥ 0, found {tol}"
            )));
        }
        if let Some(evaluation) = &self.evaluation {
            evaluation.check().map_err(bad)?;
        }
        let checks = &self.checks;
        for (key, share) in [
            ("max_rejected_share", checks.max_rejected_share),
            ("max_unmatched_share", checks.max_unmatched_share),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(bad(format!(
                    "checks.{key} must be a fraction in [0, 1], found {share}"
                )));
            }
        }
        if self.fields.enterprises.header_row == Some(0) {
            return Err(bad(
                "fields.enterprises.header_row is a line number, counted from 1: found 0".into(),
            ));
        }
        self.output.check().map_err(bad)?;
        // Here, so that a CRS this build cannot use is the config's error, not its data's.
        let crs = &self.crs;
        for (key, name) in [
            ("input", &crs.input),
            ("parcels", &crs.parcels),
            ("enterprises", &crs.enterprises),
            ("parks", &crs.parks),
        ] {
            if let Some(name) = name {
                let crs =
                    crate::crs::Crs::parse(name).map_err(|e| bad(format!("crs.{key}: {e}")))?;
                (crs.transformer(crate::crs::Backend::default_for_build()))
                    .map_err(|m| bad(format!("crs.{key}: {m}")))?;
            }
        }
        Ok(())
    }
}

/// When a layer is wrong as a whole (`[checks]`): the shares past which an audit is
/// [suspect](crate::error::Suspicion) rather than an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChecksConfig {
    /// A layer with more than this share of its records rejected is suspect (default 0.5).
    pub max_rejected_share: f64,
    /// Enterprises with more than this share of those read joined to no parcel are suspect
    /// (default 0.5).
    pub max_unmatched_share: f64,
    /// Publish a suspect audit anyway, its suspicions listed (default false): for a person who
    /// has looked and accepts it knowingly (`--allow-suspect`).
    pub allow_suspect: bool,
}

impl Default for ChecksConfig {
    fn default() -> Self {
        ChecksConfig {
            max_rejected_share: 0.5,
            max_unmatched_share: 0.5,
            allow_suspect: false,
        }
    }
}

/// Property names in the input files. Each default is the canonical name (docs/config.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fields {
    /// Parcel code (宗地代码); default `parcel_id`. When absent on a feature, its GeoJSON `id`.
    pub parcel_id: String,
    /// GB/T 4754 industry code of the parcel's main industry; default `industry`.
    pub industry: String,
    /// Land-use class ("M1", "0601"); default `land_use`.
    pub land_use: String,
    /// Total building floor area on the parcel, m²; default `floor_area`.
    pub floor_area: String,
    /// Recorded parcel area (e.g. ZDMJ); default `land_area`. Its unit is `[area] recorded_unit`.
    pub land_area: String,
    /// "new" or "existing"; default `status`.
    pub status: String,
    /// Values of `status` meaning new (supplied within the evaluation window); default
    /// `["new", "新增"]`.
    pub status_new: Vec<String>,
    /// Values of `status` meaning existing; default `["existing", "存量"]`.
    pub status_existing: Vec<String>,
    /// Contracted investment per mu (标准地), 万元/亩; default `contract_investment_per_mu`.
    pub contract_investment_per_mu: String,
    /// Contracted tax per mu, 万元/亩; default `contract_tax_per_mu`.
    pub contract_tax_per_mu: String,
    /// Contracted output per mu, 万元/亩; default `contract_output_per_mu`.
    pub contract_output_per_mu: String,
    /// Contracted plot ratio; default `contract_plot_ratio`.
    pub contract_plot_ratio: String,
    /// Start date the land contract sets (约定动工日期); default `contract_start_date`.
    pub contract_start_date: String,
    /// Date building started (实际动工日期); default `actual_start_date`.
    pub actual_start_date: String,
    /// Date the project was completed (竣工日期); default `completion_date`.
    pub completion_date: String,
    /// Date production stopped (停产日期); default `stopped_since`.
    pub stopped_since: String,
    /// Date the last tax was paid (最后纳税日期); default `last_tax_date`.
    pub last_tax_date: String,
    /// Building footprint (建筑基底面积), m²; default `footprint_area`.
    pub footprint_area: String,
    /// Building density (建筑密度), a fraction; default `building_density`.
    pub building_density: String,
    /// Green-space ratio (绿地率), a fraction; default `green_ratio`.
    pub green_ratio: String,
    /// Negative-list flags (负面清单), one or more of `eliminated_industry`, `safety_order`,
    /// `environment_order` (or 淘汰类, 安全, 环保) between `;`, `,` or `、`; default
    /// `negative_list`.
    pub negative_list: String,
    /// A record with no id (no id property and no GeoJSON `id`): `reject` it (the default) or
    /// give it `index`, the id `#N` from its 0-based feature index.
    pub missing_id: MissingId,
    /// Names in the enterprises file.
    pub enterprises: EnterpriseFields,
    /// Names in the parks file.
    pub parks: ParkFields,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            parcel_id: "parcel_id".into(),
            industry: "industry".into(),
            land_use: "land_use".into(),
            floor_area: "floor_area".into(),
            land_area: "land_area".into(),
            status: "status".into(),
            status_new: vec!["new".into(), "新增".into()],
            status_existing: vec!["existing".into(), "存量".into()],
            contract_investment_per_mu: "contract_investment_per_mu".into(),
            contract_tax_per_mu: "contract_tax_per_mu".into(),
            contract_output_per_mu: "contract_output_per_mu".into(),
            contract_plot_ratio: "contract_plot_ratio".into(),
            contract_start_date: "contract_start_date".into(),
            actual_start_date: "actual_start_date".into(),
            completion_date: "completion_date".into(),
            stopped_since: "stopped_since".into(),
            last_tax_date: "last_tax_date".into(),
            footprint_area: "footprint_area".into(),
            building_density: "building_density".into(),
            green_ratio: "green_ratio".into(),
            negative_list: "negative_list".into(),
            missing_id: MissingId::Reject,
            enterprises: EnterpriseFields::default(),
            parks: ParkFields::default(),
        }
    }
}

/// What to do with a record that has no id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MissingId {
    /// Reject it (`missing_property`).
    #[default]
    Reject,
    /// Give it `#N`, N its 0-based feature index.
    Index,
}

impl MissingId {
    pub(crate) fn fallback(self, index: usize) -> Option<String> {
        match self {
            MissingId::Reject => None,
            MissingId::Index => Some(format!("#{index}")),
        }
    }
}

/// Property (or CSV column) names in the enterprises file; each default is the canonical name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnterpriseFields {
    /// Unique key (统一社会信用代码 or any); default `enterprise_id`.
    pub enterprise_id: String,
    /// Name; default `name`.
    pub name: String,
    /// Tax paid, 万元; default `tax`. Required.
    pub tax: String,
    /// Fixed-asset investment, 万元; default `investment`. Required.
    pub investment: String,
    /// Output (产值 or revenue), 万元; default `output`. Required.
    pub output: String,
    /// Industrial value added, 万元; default `value_added`.
    pub value_added: String,
    /// Energy use, tonnes of standard coal equivalent (tce); default `energy`.
    pub energy: String,
    /// Main pollutant emissions, tonnes; default `emissions`.
    pub emissions: String,
    /// R&D spending, 万元; default `rd_spend`.
    pub rd_spend: String,
    /// Electricity use, 万kWh; default `electricity`.
    pub electricity: String,
    /// Average number of employees; default `employees`.
    pub employees: String,
    /// Floor area occupied or rented, m²; default `floor_area`.
    pub floor_area: String,
    /// Building footprint occupied (建筑基底面积), m²; default `footprint_area`.
    pub footprint_area: String,
    /// Above designated size (规上), yes/no; default `above_scale`.
    pub above_scale: String,
    /// GB/T 4754 industry code of the enterprise; default `industry`.
    pub industry: String,
    /// Ranking unit (county, street or park) for `[evaluation] group_by = "unit"`; default
    /// `unit`.
    pub unit: String,
    /// The year the firm started production (投产年份), for `[evaluation] defer_years`;
    /// default `start_year`.
    pub start_year: String,
    /// Listed but not graded in the evaluation, yes/no; default `exempt`.
    pub exempt: String,
    /// Parcel key: joins by key instead of by location when present; default `parcel_id`.
    pub parcel_id: String,
    /// CSV column of the longitude (or easting); default `lon`.
    pub lon: String,
    /// CSV column of the latitude (or northing); default `lat`.
    pub lat: String,
    /// CSV only: the line (from 1) of the header row, for a file with title rows above it.
    /// Default: found (the first of the first 10 rows that has the `enterprise_id` column or
    /// two of `tax`, `investment` and `output`; else the first with at least half as many
    /// cells filled as the fullest of them).
    pub header_row: Option<u32>,
}

impl Default for EnterpriseFields {
    fn default() -> Self {
        EnterpriseFields {
            enterprise_id: "enterprise_id".into(),
            name: "name".into(),
            tax: "tax".into(),
            investment: "investment".into(),
            output: "output".into(),
            value_added: "value_added".into(),
            energy: "energy".into(),
            emissions: "emissions".into(),
            rd_spend: "rd_spend".into(),
            electricity: "electricity".into(),
            employees: "employees".into(),
            floor_area: "floor_area".into(),
            footprint_area: "footprint_area".into(),
            above_scale: "above_scale".into(),
            industry: "industry".into(),
            unit: "unit".into(),
            start_year: "start_year".into(),
            exempt: "exempt".into(),
            parcel_id: "parcel_id".into(),
            lon: "lon".into(),
            lat: "lat".into(),
            header_row: None,
        }
    }
}

/// Property names in the parks file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ParkFields {
    /// Park code; default `park_id`. When absent on a feature, its GeoJSON `id`.
    pub park_id: String,
    /// Park name; default `name`.
    pub name: String,
}

impl Default for ParkFields {
    fn default() -> Self {
        ParkFields {
            park_id: "park_id".into(),
            name: "name".into(),
        }
    }
}

/// Coordinate reference systems (docs/crs.md).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrsConfig {
    /// The CRS of every input layer, overriding what the files declare: `"EPSG:4549"`,
    /// `"urn:ogc:def:crs:EPSG::4549"`, `"GCJ-02"`, `"BD-09"`. Default: none (what the file
    /// declares, else lon/lat when every coordinate can be one).
    pub input: Option<String>,
    /// The CRS of the parcels file only (overrides `input` for it).
    pub parcels: Option<String>,
    /// The CRS of the enterprises file only (a CSV of lon/lat beside projected parcels, say).
    pub enterprises: Option<String>,
    /// The CRS of the parks file only.
    pub parks: Option<String>,
    /// The CRS output GeoJSON is written in: `wgs84` (RFC 7946, the default) or `gcj02` for
    /// AMap/Tencent viewers.
    pub output: OutputCrs,
}

/// The CRS output GeoJSON is written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputCrs {
    /// WGS84 lon/lat, as RFC 7946 requires.
    #[default]
    Wgs84,
    /// GCJ-02, the offset lon/lat of AMap (高德) and Tencent maps. Not RFC 7946.
    Gcj02,
}

/// `[output]`: the formats the map layers are written in. (The CRS they are written in is
/// `[crs] output`.)
///
/// ```
/// use land_efficiency::{Config, Format};
/// let c = Config::from_toml("[output]\nformats = [\"geojson\", \"fgb\"]").unwrap();
/// assert_eq!(c.output.formats, Some(vec![Format::GeoJson, Format::FlatGeobuf]));
/// assert!(Config::from_toml("[output]\nformats = [\"kml\"]").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutputConfig {
    /// The formats of the map layers (parcels and parks), by the names `--format` takes:
    /// `["geojson", "fgb", "parquet"]`. Default none: GeoJSON alone. The audit example's
    /// `--format` overrides it; the library writes it when the write options are made from
    /// the configuration ([`WriteOptions::from_config`](crate::write::WriteOptions::from_config)).
    #[serde(deserialize_with = "format_names")]
    pub formats: Option<Vec<Format>>,
}

impl OutputConfig {
    /// A list that names no format, or one this build cannot write: the message.
    fn check(&self) -> std::result::Result<(), String> {
        let Some(formats) = &self.formats else {
            return Ok(());
        };
        if formats.is_empty() {
            return Err(format!(
                "output.formats is empty: name at least one format ({}), or leave the key out \
                 for GeoJSON alone",
                Format::choices()
            ));
        }
        for format in formats {
            if let Some(feature) = format.missing_feature() {
                return Err(format!(
                    "output.formats: {:?} needs the `{feature}` feature: build with cargo build \
                     --features {feature} (this build writes {})",
                    format.name(),
                    Format::built()
                ));
            }
        }
        Ok(())
    }
}

/// `[output] formats`: each name a [`Format`], else an error naming the key, the value and
/// the formats there are.
fn format_names<'de, D>(d: D) -> std::result::Result<Option<Vec<Format>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let Some(names) = Option::<Vec<String>>::deserialize(d)? else {
        return Ok(None);
    };
    let mut formats = Vec::with_capacity(names.len());
    for name in names {
        let format = Format::from_name(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "output.formats: unknown format {name:?} ({})",
                Format::choices()
            ))
        })?;
        if !formats.contains(&format) {
            formats.push(format);
        }
    }
    Ok(Some(formats))
}

/// A format the map layers (parcels and parks) are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `parcels.geojson`, `parks.geojson`: RFC 7946 with map styling.
    GeoJson,
    /// `parcels.fgb`, `parks.fgb`: FlatGeobuf with its spatial index.
    FlatGeobuf,
    /// `parcels.parquet`, `parks.parquet`: GeoParquet 1.1 (the `parquet` feature).
    GeoParquet,
}

impl Format {
    /// Every format, in the order the names are listed.
    const ALL: [Format; 3] = [Format::GeoJson, Format::FlatGeobuf, Format::GeoParquet];

    /// The format a name stands for: `geojson` (or `json`), `fgb` (or `flatgeobuf`),
    /// `parquet` (or `geoparquet`), in any case.
    pub(crate) fn from_name(name: &str) -> Option<Format> {
        match name.trim().to_ascii_lowercase().as_str() {
            "geojson" | "json" => Some(Format::GeoJson),
            "fgb" | "flatgeobuf" => Some(Format::FlatGeobuf),
            "parquet" | "geoparquet" => Some(Format::GeoParquet),
            _ => None,
        }
    }

    /// Its name, as `--format` and `[output] formats` take it: `geojson`, `fgb`, `parquet`.
    pub fn name(self) -> &'static str {
        match self {
            Format::GeoJson => "geojson",
            Format::FlatGeobuf => "fgb",
            Format::GeoParquet => "parquet",
        }
    }

    /// The cargo feature this build would need to write it, when it lacks it.
    pub(crate) fn missing_feature(self) -> Option<&'static str> {
        match self {
            Format::GeoParquet if !cfg!(feature = "parquet") => Some("parquet"),
            _ => None,
        }
    }

    /// The formats this build writes, and those it would with a feature, for messages:
    /// `this build writes geojson, fgb; parquet needs the `parquet` feature`.
    pub(crate) fn choices() -> String {
        let mut text = format!("this build writes {}", Format::built());
        for f in Format::ALL {
            if let Some(feature) = f.missing_feature() {
                text.push_str(&format!("; {} needs the `{feature}` feature", f.name()));
            }
        }
        text
    }

    /// The names of the formats this build writes: `geojson, fgb`.
    fn built() -> String {
        (Format::ALL.iter())
            .filter(|f| f.missing_feature().is_none())
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Serialize for Format {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// How a parcel's area is obtained (docs/crs.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AreaMethod {
    /// Geodesic on the ellipsoid for lon/lat input; planar in the input CRS for projected
    /// input (the cadastral practice).
    #[default]
    Auto,
    /// Geodesic area on the WGS84 ellipsoid (Karney's algorithm), whatever the input CRS.
    Geodesic,
    /// Planar (shoelace) area in the input's projected CRS. An error for lon/lat input.
    Planar,
    /// The recorded `land_area` property (e.g. ZDMJ), in `recorded_unit`.
    Recorded,
}

/// `[area]`: how parcel areas are obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AreaConfig {
    /// `auto` (default), `geodesic`, `planar` or `recorded`.
    pub method: AreaMethod,
    /// Unit of the recorded `land_area` property: `m2` (default), `mu` or `ha`.
    pub recorded_unit: AreaUnit,
    /// With `recorded`: a parcel whose recorded area differs from the computed one by more
    /// than this fraction gets a warning; default 0.05 (5%).
    pub recorded_tolerance: f64,
}

impl Default for AreaConfig {
    fn default() -> Self {
        AreaConfig {
            method: AreaMethod::Auto,
            recorded_unit: AreaUnit::M2,
            recorded_tolerance: 0.05,
        }
    }
}

/// `[report]`: the heading of `report.html`, in place of a generic title.
///
/// ```toml
/// [report]
/// title = "苏州工业园区"   # the zone's name
/// year = 2024             # the year audited
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportConfig {
    /// The page's title, e.g. the zone's name; default none (a generic title).
    pub title: Option<String>,
    /// The year audited, shown beside the title; default none.
    pub year: Option<u16>,
    /// Above this many parcels the page's map is a grid when zoomed out, its parcels written
    /// in `report_files/` beside it and drawn as the map is zoomed in; default 50 000.
    pub max_parcels_drawn: Option<usize>,
}

/// `[park]`: park-level caps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ParkConfig {
    /// A park whose low-efficiency area ratio is strictly above this is `over_cap`; default
    /// 0.30.
    pub max_low_efficiency_ratio: f64,
}

impl Default for ParkConfig {
    fn default() -> Self {
        ParkConfig {
            max_low_efficiency_ratio: 0.30,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_the_defaults() {
        let c = Config::from_toml("").unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.low_efficiency.min_investment_per_mu, 120.0);
        assert_eq!(c.park.max_low_efficiency_ratio, 0.30);
        assert_eq!(c.fields.parcel_id, "parcel_id");
    }

    #[test]
    fn field_mapping_and_errors_name_the_key() {
        let c =
            Config::from_toml("[fields]\nparcel_id = \"ZDDM\"\n[fields.enterprises]\ntax = \"SS\"")
                .unwrap();
        assert_eq!(c.fields.parcel_id, "ZDDM");
        assert_eq!(c.fields.enterprises.tax, "SS");
        let e = Config::from_toml("[park]\nmax_ratio = 0.3").unwrap_err();
        assert!(e.to_string().contains("max_ratio"), "{e}");
        let e = Config::from_toml("[park]\nmax_low_efficiency_ratio = 30").unwrap_err();
        assert!(e.to_string().contains("[0, 1]"), "{e}");
        let e = Config::from_toml("[low_efficiency]\nmin_tax_per_mu = -1").unwrap_err();
        assert!(e.to_string().contains("min_tax_per_mu"), "{e}");
    }

    /// `[output] formats`: the names `--format` takes, in any case, each once; a name not
    /// known, a format this build lacks the feature of, and an empty list are the config's
    /// errors, saying what there is.
    #[test]
    fn output_formats_are_read_and_a_wrong_one_says_what_there_is() {
        let c = Config::from_toml("[output]\nformats = [\"FGB\", \"geojson\", \"fgb\"]").unwrap();
        assert_eq!(
            c.output.formats,
            Some(vec![Format::FlatGeobuf, Format::GeoJson])
        );
        assert_eq!(Config::from_toml("").unwrap().output.formats, None);
        let again = Config::from_toml(&toml::to_string(&c).unwrap()).unwrap();
        assert_eq!(again, c);
        let config_error = |text: &str| match Config::from_toml(text) {
            Err(Error::Config { message, .. }) => message,
            other => panic!("{text}: {other:?}"),
        };
        let m = config_error("[output]\nformats = [\"geojson\", \"kml\"]");
        assert!(
            m.contains("output.formats: unknown format \"kml\"")
                && m.contains("this build writes geojson, fgb")
                && m.contains("line 2"),
            "{m}"
        );
        let m = config_error("[output]\nformats = []");
        assert!(m.contains("output.formats is empty"), "{m}");
        let m = config_error("[output]\nformat = [\"fgb\"]");
        assert!(m.contains("unknown field `format`"), "{m}");
        let parquet = "[output]\nformats = [\"geojson\", \"parquet\"]";
        if cfg!(feature = "parquet") {
            let c = Config::from_toml(parquet).unwrap();
            assert_eq!(
                c.output.formats,
                Some(vec![Format::GeoJson, Format::GeoParquet])
            );
        } else {
            let m = config_error(parquet);
            assert!(
                m.contains(
                    "output.formats: \"parquet\" needs the `parquet` feature: build with \
                            cargo build --features parquet"
                ),
                "{m}"
            );
            // A configuration built in code is held to the same.
            let mut c = Config::default();
            c.output.formats = Some(vec![Format::GeoParquet]);
            assert!(c.validate().is_err());
        }
    }

    /// Values TOML takes but the audit cannot mean: a shortfall above the commitment itself,
    /// weights that make every score 0.
    #[test]
    fn fractions_and_weights_that_mean_nothing_are_refused() {
        for (text, key) in [
            (
                "[low_efficiency]\ncontract_shortfall = 1.5",
                "low_efficiency.contract_shortfall must be a fraction of the commitment in [0, 1], found 1.5",
            ),
            (
                "[checks]\nmax_rejected_share = 50",
                "checks.max_rejected_share must be a fraction in [0, 1], found 50",
            ),
            (
                "[checks]\nmax_unmatched_share = -0.1",
                "checks.max_unmatched_share must be a fraction in [0, 1], found -0.1",
            ),
            (
                "[[low_efficiency.rule]]\nindustry = \"13\"\ncontract_shortfall = 2",
                "[[low_efficiency.rule]] #1: contract_shortfall must be a fraction",
            ),
            (
                "[evaluation]\npooled = true\n[evaluation.all]\n\
                 indicators = [{ indicator = \"tax_per_mu\", weight = 0, benchmark = 10 }]",
                "evaluation.all: the indicators' weights add up to 0",
            ),
            // Settings the grading would silently not use, or that make every score 0.
            (
                "[evaluation]\npooled = true\nthresholds = [120, 100, 80]\n[evaluation.all]\n\
                 indicators = [{ indicator = \"tax_per_mu\", weight = 1, benchmark = 10 }]",
                "evaluation.thresholds [120.0, 100.0, 80.0] are used only with classes = \"score\"",
            ),
            (
                "[evaluation]\npooled = true\n[evaluation.all]\n\
                 indicators = [{ indicator = \"tax_per_mu\", weight = 1, benchmark = 10 }]\n\
                 [evaluation.above_scale]\n\
                 indicators = [{ indicator = \"tax_per_mu\", weight = 1, benchmark = 10 }]",
                "[evaluation.above_scale] and [evaluation.below_scale] would be ignored",
            ),
            (
                "[evaluation]\n[evaluation.all]\n\
                 indicators = [{ indicator = \"tax_per_mu\", weight = 1, benchmark = 10 }]\n\
                 [evaluation.above_scale]\n\
                 indicators = [{ indicator = \"tax_per_mu\", weight = 1, benchmark = 10 }]",
                "[evaluation.all] is used only with pooled = true",
            ),
            (
                "[evaluation]\npooled = true\ncap = 0\n[evaluation.all]\n\
                 indicators = [{ indicator = \"tax_per_mu\", weight = 1, benchmark = 10 }]",
                "evaluation.cap must be a finite number > 0",
            ),
            (
                "[evaluation]\npooled = true\n[evaluation.all]\n\
                 indicators = [{ indicator = \"tax_per_mu\", weight = 1, benchmark = 10, cap = 0 }]",
                "evaluation.all.indicators #1 (tax_per_mu): cap must be a finite number > 0",
            ),
            (
                "[evaluation]\npooled = true\n[evaluation.all]\n\
                 indicators = [{ indicator = \"tax_per_mu\", weight = 1, benchmark = 10 }, \
                 { indicator = \"output_per_mu\", weight = 1, benchmark = 10 }, \
                 { indicator = \"tax_per_mu\", weight = 1, benchmark = 10 }]",
                "evaluation.all.indicators #3 (tax_per_mu) repeats #1",
            ),
        ] {
            let e = Config::from_toml(text).unwrap_err();
            assert!(e.to_string().contains(key), "{e}");
        }
        let ok = "[low_efficiency]\ncontract_shortfall = 1.0";
        assert_eq!(
            Config::from_toml(ok)
                .unwrap()
                .low_efficiency
                .contract_shortfall,
            1.0
        );
    }
}
