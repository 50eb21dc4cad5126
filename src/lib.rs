//! # land-efficiency
//!
//! Audits industrial land the way Chinese development zones do it: per mu (亩均). Parcels
//! (宗地) are read from GeoJSON, indexed in an R-tree, joined to the enterprises that occupy
//! them, and given per-mu tax, investment and output intensity and a plot ratio. Parcels below
//! any threshold, idle, or short of their land-supply contract are low-efficiency land
//! (低效用地); each park gets its low-efficiency land ratio against a policy cap.
//!
//! ## Units
//!
//! | quantity | unit | note |
//! |---|---|---|
//! | area | m² inside, mu at the edge | 1 mu = 10000/15 m² exactly ([`units::M2_PER_MU`]) |
//! | money | 万元 (10⁴ CNY), annual | tax, investment, output, value added |
//! | intensities | 万元/亩 | `tax_per_mu`, `investment_per_mu`, `output_per_mu` |
//! | plot ratio | floor m² / land m² | `null` when no floor area is known |
//! | ratios | fraction in [0, 1] | printed as percent only for people |
//!
//! ## CRS contract
//!
//! Input is RFC 7946 lon/lat, or any CRS declared by the legacy `crs` member or given
//! explicitly (see [`Crs`]). Areas are geodesic on the ellipsoid for lon/lat input and planar in
//! the input plane for projected input (`[area] method = "auto"`). Output GeoJSON is RFC 7946:
//! WGS84 lon/lat, exterior rings counter-clockwise, coordinates in full (the shortest digits
//! that read back as the same number).
//!
//! ## Semantics
//!
//! A parcel is low-efficiency when it is idle (no enterprise, or zero output), when any metric
//! is **strictly below** its minimum (equality is not low), or when a contracted commitment is
//! missed; or when a land test fails ([`land_reasons`]): a date as of `[audit] as_of` (闲置,
//! 停产, no tax, the contract after completion), the land's form outside its maximum or range,
//! a negative-list flag. A metric that cannot be computed is `null` and never a reason. A
//! park's ratio is low-efficiency area over evaluated area, idle parcels in both; it is over
//! the cap when strictly above it. Every record read is evaluated or listed as rejected with its reason.
//!
//! ## Example
//!
//! ```
//! use land_efficiency::{Audit, Config, Inputs, Source};
//! let parcels = r#"{"type":"FeatureCollection","features":[
//!   {"type":"Feature","properties":{"parcel_id":"A"},"geometry":{"type":"Polygon",
//!     "coordinates":[[[120.0,30.0],[120.001,30.0],[120.001,30.001],[120.0,30.001],[120.0,30.0]]]}},
//!   {"type":"Feature","properties":{"parcel_id":"B"},"geometry":{"type":"Polygon",
//!     "coordinates":[[[120.002,30.0],[120.003,30.0],[120.003,30.001],[120.002,30.001],[120.002,30.0]]]}}]}"#;
//! let enterprises = "enterprise_id,tax,investment,output,floor_area,lon,lat\n\
//!                    E1,400,4000,8000,20000,120.0005,30.0005\n";
//! let report = Audit::new(Config::default())
//!     .run(&Inputs {
//!         parcels: Source::geojson("parcels", parcels),
//!         enterprises: Some(Source::csv("enterprises", enterprises)),
//!         parks: None,
//!     })
//!     .unwrap();
//! assert_eq!(report.summary.parcels.evaluated, 2);
//! assert_eq!(report.summary.enterprises.joined, 1);
//! // B has no enterprise: idle, so low-efficiency. A passes every minimum.
//! assert_eq!(report.summary.low_efficiency_count, 1);
//! assert!(report.parcel(1).idle() && report.parcel(1).low_efficiency());
//! assert!((report.summary.low_efficiency_ratio.unwrap() - 0.5).abs() < 1e-6);
//! // Results serialise for services that never touch files.
//! let json = serde_json::to_string(&report.summary).unwrap();
//! assert!(json.contains("\"low_efficiency_count\":1"));
//! ```
//!
//! ## Typed input, for services
//!
//! Records whose shapes are `geo` geometry (a database's rows, say) are built into layers
//! ([`Records`]) in the CRS their coordinates are in, named once, and read as a file of them
//! would be: every record validated, a bad one rejected with its index and id (or the audit
//! stopped, [`Audit::strict`]), projected coordinates measured in the plane. Fields go by the
//! names `[fields]` maps. `docs/service.md` has the whole route, the results' shapes and
//! calling the audit from async code.
//!
//! ```
//! use land_efficiency::geo::{point, polygon};
//! use land_efficiency::{Audit, Config, Crs, EnterpriseInput, Inputs, ParcelInput, Records};
//! // Two 100 m × 100 m squares in EPSG:4549 (CGCS2000 Gauss-Krüger, CM 120°E): 15 mu each.
//! let square = |x: f64| polygon![(x: x, y: 3_320_000.0), (x: x + 100.0, y: 3_320_000.0),
//!     (x: x + 100.0, y: 3_320_100.0), (x: x, y: 3_320_100.0)];
//! let gk = Crs::parse("EPSG:4549").unwrap();
//! let parcels = Records::parcels(gk.clone())
//!     .with(ParcelInput::new("A", square(500_000.0)).field("floor_area", 15_000.0))
//!     .with(ParcelInput::new("B", square(500_200.0)).field("floor_area", 15_000.0));
//! // One firm, on A: 300 万元 of tax on 15 mu is 20 万元/亩, over the minimum of 15.
//! let firms = Records::enterprises(gk).with(
//!     EnterpriseInput::new("E1")
//!         .at(point!(x: 500_050.0, y: 3_320_050.0))
//!         .fields([("tax", 300.0), ("investment", 3000.0), ("output", 4500.0)]),
//! );
//! let inputs = Inputs { parcels: parcels.into(), enterprises: Some(firms.into()), parks: None };
//! let report = Audit::new(Config::default()).run(&inputs).unwrap();
//! let (a, b) = (report.parcel_by_id("A").unwrap(), report.parcel_by_id("B").unwrap());
//! // Projected coordinates: the planar area, exactly 10 000 m² = 15 mu.
//! assert_eq!(a.area_m2(), 10_000.0);
//! assert!((a.area_mu() - 15.0).abs() < 1e-12);
//! assert_eq!(a.area_method().as_str(), "planar");
//! assert!((a.tax_per_mu() - 20.0).abs() < 1e-9);
//! assert!(!a.low_efficiency());
//! // B holds no firm: idle, so low-efficiency.
//! assert!(b.idle() && b.low_efficiency());
//! assert_eq!(report.summary().low_efficiency_count, 1);
//! ```
//!
//! ## Features
//!
//! - `proj` (off by default): reprojection through real PROJ (built from source; needs
//!   `cmake`), accepting any CRS PROJ knows. Without it, proj4rs (pure Rust) covers the
//!   Chinese Gauss-Krüger families, UTM, Web Mercator and other EPSG codes.
//!
//! The default build needs no system library: GeoPackage input reads SQLite compiled in
//! from its C source (`rusqlite`'s `bundled`), by the machine's C compiler.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

// The rooms, from the bottom up: units, error (errors, warnings, rejections), crs, the storage
// (columns, shapes, source_text), the records (parcel) and config; the readers (read); the
// stages of an audit in the order `Audit::run` calls them (pushed, areas, index, join,
// classify, grade, history, parks) over the per-row outcome (outcome); the results; the
// writers (write). Every module but `units` is private (`gcj02` is re-exported as a module):
// the public face is the re-exports.
mod adjust;
mod areas;
mod audit;
mod classify;
mod columns;
mod config;
mod crs;
mod dates;
mod error;
mod grade;
mod history;
mod index;
mod join;
mod labels;
mod land;
mod metrics;
mod outcome;
mod parcel;
mod parks;
mod pushed;
mod quota;
mod read;
mod results;
mod rollup;
mod rules;
mod schema;
mod shapes;
mod source_text;
mod suspect;
mod topology;
pub mod units;
mod write;
mod years;

/// The README's library example, compiled with the tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;

/// The examples of `docs/service.md`, run with the tests.
#[cfg(doctest)]
#[doc = include_str!("../docs/service.md")]
struct ServiceExamples;

/// The `geo` crate whose types ([`geo::MultiPolygon`], [`geo::Point`]) appear in this crate's
/// records: use it rather than a separate dependency, whose version could differ.
pub use geo;

pub use adjust::{
    Action, Adjustment, AdjustmentTable, Applied, FirmAdjustments, Forced, applied_adjustment,
    format_items,
};
/// The `geojson` crate whose [`geojson::FeatureCollection`] [`Source::feature_collection`]
/// reads: use it rather than a separate dependency, whose version could differ.
pub use geojson;

pub use audit::{Audit, Inputs, Progress, Stage};
pub use config::{
    AreaConfig, AreaMethod, AuditConfig, ChecksConfig, Config, CrsConfig, EnterpriseFields, Fields,
    MissingId, OutputConfig, OutputCrs, ParkConfig, ParkFields, ReportConfig,
};
pub use crs::{Backend, Crs, CrsInfo, CrsSource, ToWgs84, gcj02};
pub use dates::Date;
pub use error::{Error, FeatureContext, Layer, Rejection, Result, Suspicion, Warning};
pub use grade::{
    Benchmark, Candidate, ClassMethod, EvaluationConfig, Grade, Group, GroupConfig, Indicator,
    IndicatorConfig, IndicatorScore, LandShare, Missing, RankingUnit, Scope, Scoring, Standing,
    deferred_by_years, grade, grade_standing, land_shares,
};
pub use index::{Hit, Overlapping, ParcelIndex, STACK_MIN};
pub use land::{LandCase, building_density, land_reasons};
pub use metrics::{
    Intensities, ParcelSums, geodesic_area_m2, geodesic_area_of, intensities, planar_area_m2,
};
pub use outcome::{AppliedThresholds, Change, JoinKind};
pub use parcel::{
    AreaSource, Class, Commitments, Enterprise, Enterprises, LandFacts, NameTexts, NegativeFlag,
    Parcel, ParcelRef, Parcels, Park, Parks, PropertyTexts, Status,
};
pub use parks::ParkResult;
pub use quota::{QuotaRounding, Quotas, quota};
pub use read::adjust::{AdjustmentsRead, read_adjustments};
pub use read::negative::{Listed, NegativeListRead, NegativeRow, read_negative_list};
pub use read::previous::{PerMuThen, PreviousAudit};
pub use read::typed::{BuiltLayer, EnterpriseInput, FieldValue, ParcelInput, ParkInput, Records};
pub use read::{
    ByteProgress, Loaded, ReadOptions, Source, read_enterprises, read_parcels, read_parks,
};
pub use results::{
    AuditReport, Counts, EnterpriseCounts, EnterpriseResult, LayerInfo, Overlap, ParcelResult,
    PreviousInfo, StageTimes, Summary,
};
pub use rollup::{NOT_COMPUTED, NotComputed, ReasonTally, Rollup, rank_by_tax_per_mu};
pub use rules::{
    Figures as RuleFigures, LowEfficiencyConfig, Minimum, ParcelFacts, Reason, Reasons, Rule,
    Thresholds,
};
pub use shapes::{ON_BOUNDARY_M, PolygonRef, Position, ShapeRef, Shapes};
pub use source_text::{InputText, InputTexts};
pub use units::AreaUnit;
pub use write::{
    FORMAT_FILES, Format, Lang, OUTPUT_FILES, ReportOptions, WriteOptions, write_all,
    write_all_with_text, write_parcels_geojson, write_parks_geojson, write_report_html,
};
pub use years::{Trend, consecutive_d_years, order_audits};
