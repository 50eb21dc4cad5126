//! The pipeline: read the layers, join enterprises to parcels, compute per-mu figures,
//! classify parcels, aggregate parks. [`Audit::run`] returns an [`AuditReport`] of typed,
//! serde-serialisable results; [`crate::write`] turns it into the output files.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use geo::{Area, GeodesicArea, InteriorPoint};
use rayon::prelude::*;
use serde::Serialize;

use crate::config::{AreaMethod, Config};
use crate::crs::{Crs, CrsSource};
use crate::error::{Error, Layer, Result};
use crate::evaluate::{self, Class, ParkResult};
use crate::index::{Hit, ParcelIndex};
use crate::metrics::{Intensities, ParcelSums, intensities};
use crate::parcel::{AreaSource, Enterprise, Parcel, Park, Status};
use crate::previous::{Change, PreviousAudit};
use crate::read::{self, Loaded, ReadOptions, Source};
use crate::rules::{self, Figures, ParcelFacts, Reason};
use crate::units::m2_to_mu;

/// The three input layers. Enterprises and parks are optional: without enterprises every
/// parcel is idle; without parks every parcel is outside any park.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Parcels (宗地), GeoJSON Polygon/MultiPolygon.
    pub parcels: Source,
    /// Enterprises, GeoJSON points or CSV.
    pub enterprises: Option<Source>,
    /// Parks, GeoJSON Polygon/MultiPolygon.
    pub parks: Option<Source>,
}

impl Inputs {
    /// The input files, for refusing to write over them.
    pub fn paths(&self) -> Vec<std::path::PathBuf> {
        [
            Some(&self.parcels),
            self.enterprises.as_ref(),
            self.parks.as_ref(),
        ]
        .into_iter()
        .flatten()
        .filter_map(|s| match s {
            Source::Path(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
    }
}

/// Stages of a run, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Reading and validating a layer.
    Read,
    /// Building the R-trees.
    Index,
    /// Joining enterprises to parcels.
    Join,
    /// Areas, intensities, classification, parks.
    Evaluate,
    /// Writing the outputs.
    Write,
}

/// A progress callback: the stage that starts and a short description.
pub type Progress = dyn Fn(Stage, &str) + Send + Sync;

/// An audit to run: configuration and options.
///
/// ```
/// use land_efficiency::{Audit, Config, Inputs, Source};
/// // One 100 m × 100 m parcel (EPSG:4326, near 120°E 30°N) with one enterprise.
/// let parcels = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
///   "properties":{"parcel_id":"P1","floor_area":12000},
///   "geometry":{"type":"Polygon","coordinates":[[[120.0,30.0],[120.001,30.0],[120.001,30.001],[120.0,30.001],[120.0,30.0]]]}}]}"#;
/// let enterprises = "enterprise_id,name,tax,investment,output,lon,lat\nE1,示例公司,300,3000,4500,120.0005,30.0005\n";
/// let inputs = Inputs {
///     parcels: Source::geojson("parcels", parcels),
///     enterprises: Some(Source::csv("enterprises", enterprises)),
///     parks: None,
/// };
/// let report = Audit::new(Config::default()).run(&inputs).unwrap();
/// let p = &report.parcels[0];
/// assert_eq!(p.enterprise_count, 1);
/// // 0.001° × 0.001° at 30°N is about 96.5 m × 110.9 m: 16.04 mu.
/// assert!((p.area_mu - 16.05).abs() < 0.02, "{}", p.area_mu);
/// assert!((p.tax_per_mu - 300.0 / p.area_mu).abs() < 1e-9);
/// assert!(!p.low_efficiency); // 18.7 万元/亩 tax ≥ 15, plot ratio 1.12 ≥ 1.0, ...
/// assert_eq!(report.summary.parcels.read, 1);
/// ```
pub struct Audit {
    config: Config,
    strict: bool,
    crs: Option<Crs>,
    previous: Option<PreviousAudit>,
    progress: Option<Box<Progress>>,
}

impl Audit {
    /// An audit with this configuration, lenient, CRS as the files declare.
    pub fn new(config: Config) -> Self {
        Audit {
            config,
            strict: false,
            crs: None,
            previous: None,
            progress: None,
        }
    }

    /// Stop at the first bad record instead of rejecting it and going on.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// The CRS of every input, overriding what the files declare (and `[crs] input`).
    pub fn crs(mut self, crs: Option<Crs>) -> Self {
        self.crs = crs;
        self
    }

    /// The previous year's audit: parcels report what changed, enterprises their class
    /// history, and `[evaluation] d_years_low_efficiency` can apply.
    pub fn previous(mut self, previous: Option<PreviousAudit>) -> Self {
        self.previous = previous;
        self
    }

    /// Calls `f` as each stage starts.
    pub fn on_progress(mut self, f: impl Fn(Stage, &str) + Send + Sync + 'static) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn progress(&self, stage: Stage, what: &str) {
        if let Some(f) = &self.progress {
            f(stage, what);
        }
    }

    /// The read options of a layer: the builder's CRS, else `[crs] <layer>`, else `[crs] input`.
    fn options(&self, layer: Layer) -> Result<ReadOptions> {
        let crs = &self.config.crs;
        let (key, name) = match (layer, &crs.parcels, &crs.enterprises, &crs.parks) {
            (Layer::Parcels, Some(n), _, _) => ("parcels", Some(n)),
            (Layer::Enterprises, _, Some(n), _) => ("enterprises", Some(n)),
            (Layer::Parks, _, _, Some(n)) => ("parks", Some(n)),
            _ => ("input", crs.input.as_ref()),
        };
        let crs = match (&self.crs, name) {
            (Some(c), _) => Some(c.clone()),
            (None, Some(name)) => Some(Crs::parse(name).map_err(|message| Error::Config {
                path: "<config>".into(),
                message: format!("crs.{key}: {message}"),
            })?),
            (None, None) => None,
        };
        Ok(ReadOptions {
            strict: self.strict,
            crs,
        })
    }

    /// Reads the inputs and runs the audit.
    ///
    /// # Errors
    /// File errors (cannot open, malformed, not a FeatureCollection, unknown CRS), or the
    /// first record error when strict. Record errors of a lenient run are in
    /// [`AuditReport::rejected`].
    pub fn run(&self, inputs: &Inputs) -> Result<AuditReport> {
        let mut times = StageTimes::default();
        let t = Instant::now();
        self.progress(Stage::Read, &inputs.parcels.name().display().to_string());
        let parcels = read::read_parcels(
            &inputs.parcels,
            &self.config,
            &self.options(Layer::Parcels)?,
        )?;
        let enterprises = match &inputs.enterprises {
            Some(s) => {
                self.progress(Stage::Read, &s.name().display().to_string());
                Some(read::read_enterprises(
                    s,
                    &self.config,
                    &self.options(Layer::Enterprises)?,
                )?)
            }
            None => None,
        };
        let parks = match &inputs.parks {
            Some(s) => {
                self.progress(Stage::Read, &s.name().display().to_string());
                Some(read::read_parks(
                    s,
                    &self.config,
                    &self.options(Layer::Parks)?,
                )?)
            }
            None => None,
        };
        times.read = t.elapsed();
        let mut report = self.assess(parcels, enterprises, parks, &mut times)?;
        report.times = times;
        Ok(report)
    }

    /// Runs the audit on layers already read.
    ///
    /// # Errors
    /// [`Error::Usage`] when the area method cannot apply (planar area of lon/lat input), or
    /// the first record error when strict.
    pub fn assess(
        &self,
        parcels: Loaded<Parcel>,
        enterprises: Option<Loaded<Enterprise>>,
        parks: Option<Loaded<Park>>,
        times: &mut StageTimes,
    ) -> Result<AuditReport> {
        let config = &self.config;
        let mut rejected: Vec<Rejection> = Vec::new();
        let mut warnings: Vec<Warning> = Vec::new();
        let layers = LayerInfo {
            parcels: CrsInfo::of(&parcels),
            enterprises: enterprises.as_ref().map(CrsInfo::of),
            parks: parks.as_ref().map(CrsInfo::of),
        };

        // Areas first: a parcel the area method cannot serve is rejected before the join.
        let t = Instant::now();
        self.progress(Stage::Evaluate, "areas");
        let method = config.area.method;
        if method == AreaMethod::Planar && !parcels.crs.planar_area_is_meaningful() {
            return Err(Error::Usage(format!(
                "area method \"planar\" needs projected parcels; {} is in {} — use \"geodesic\" or \"auto\"",
                parcels.file.display(),
                parcels.crs
            )));
        }
        let planar_ok = parcels.crs.planar_area_is_meaningful();
        let areas: Vec<Result<(f64, AreaSource, Option<Warning>)>> = parcels
            .records
            .par_iter()
            .map(|p| {
                parcel_area(
                    p,
                    method,
                    planar_ok,
                    config.area.recorded_tolerance,
                    &parcels.file,
                )
            })
            .collect();
        let parcels_file = parcels.file.clone();
        let mut kept: Vec<(Parcel, f64, AreaSource)> = Vec::with_capacity(parcels.records.len());
        for (p, a) in parcels.records.into_iter().zip(areas) {
            match a {
                Ok((area, source, warning)) => {
                    warnings.extend(warning);
                    kept.push((p, area, source));
                }
                Err(e) if self.strict => return Err(e),
                Err(e) => rejected.push(Rejection::from_error(&e)),
            }
        }
        times.evaluate += t.elapsed();
        let parcel_read = parcels.read;
        rejected.extend(parcels.rejected.iter().map(Rejection::from_error));

        // Index.
        let t = Instant::now();
        self.progress(Stage::Index, "parcels");
        let parcel_index = ParcelIndex::new(kept.iter().map(|(p, _, _)| &p.geometry));
        let park_records: Vec<Park> = parks
            .as_ref()
            .map(|l| l.records.clone())
            .unwrap_or_default();
        let park_index = ParcelIndex::new(park_records.iter().map(|p| &p.geometry));
        times.index = t.elapsed();

        // Join.
        let t = Instant::now();
        self.progress(Stage::Join, "enterprises → parcels");
        let by_id: HashMap<&str, usize> = kept
            .iter()
            .enumerate()
            .map(|(i, (p, _, _))| (p.id.as_str(), i))
            .collect();
        let rejected_parcel_ids: HashSet<String> = rejected
            .iter()
            .filter(|r| r.layer == Layer::Parcels)
            .filter_map(|r| r.id.clone())
            .collect();
        let (enterprise_records, enterprise_read, enterprise_rejected) = match enterprises {
            Some(l) => (l.records, l.read, l.rejected),
            None => (Vec::new(), 0, Vec::new()),
        };
        rejected.extend(enterprise_rejected.iter().map(Rejection::from_error));
        let joins: Vec<Join> = enterprise_records
            .par_iter()
            .map(|e| join(e, &by_id, &parcel_index, &kept, &rejected_parcel_ids))
            .collect();
        let mut sums = vec![ParcelSums::default(); kept.len()];
        let mut tenants: Vec<Vec<usize>> = vec![Vec::new(); kept.len()];
        let mut enterprise_results = Vec::with_capacity(enterprise_records.len());
        let (mut joined, mut unmatched, mut ambiguous) = (0, 0, 0);
        for (e, j) in enterprise_records.into_iter().zip(joins) {
            let parcel_id = match &j {
                Join::ByKey(i) | Join::ByLocation(i) => {
                    sums[*i].add(&e);
                    tenants[*i].push(enterprise_results.len());
                    joined += 1;
                    Some(kept[*i].0.id.clone())
                }
                Join::Unmatched(why) => {
                    unmatched += 1;
                    rejected.push(Rejection::of(
                        Layer::Enterprises,
                        e.index,
                        &e.id,
                        "unmatched",
                        None,
                        why,
                    ));
                    None
                }
                Join::Ambiguous(candidates) => {
                    ambiguous += 1;
                    let ids: Vec<&str> =
                        candidates.iter().map(|&i| kept[i].0.id.as_str()).collect();
                    rejected.push(Rejection::of(
                        Layer::Enterprises,
                        e.index,
                        &e.id,
                        "ambiguous",
                        None,
                        &format!(
                            "the point lies in {} parcels: {}",
                            ids.len(),
                            ids.join(", ")
                        ),
                    ));
                    None
                }
            };
            enterprise_results.push(EnterpriseResult {
                join: j.kind(),
                parcel_id,
                candidates: match &j {
                    Join::Ambiguous(c) => c.iter().map(|&i| kept[i].0.id.clone()).collect(),
                    _ => Vec::new(),
                },
                enterprise: e,
                land_m2: None,
                evaluation: None,
                class_history: Vec::new(),
            });
        }
        let overlap_pairs = parcel_index.overlaps();
        drop(by_id);
        drop(parcel_index);
        times.join = t.elapsed();

        // Evaluate parcels.
        let t = Instant::now();
        self.progress(Stage::Evaluate, "parcels");
        let park_of: Vec<(Option<usize>, Option<Warning>)> = kept
            .par_iter()
            .map(|(p, _, _)| park_of(p, &park_index, &park_records))
            .collect();
        let low = &config.low_efficiency;
        let parcel_results: Vec<ParcelResult> = kept
            .into_par_iter()
            .zip(sums.into_par_iter())
            .zip(park_of.par_iter())
            .map(|(((parcel, area_m2, source), sums), (park, _))| {
                let park_id = park.map(|k| park_records[k].id.clone());
                let f = intensities(&sums, parcel.floor_area_m2, area_m2);
                let facts = ParcelFacts {
                    industry: parcel.industry.as_deref(),
                    land_use: parcel.land_use.as_deref(),
                    status: parcel.status,
                    park: park_id.as_deref(),
                };
                let thresholds = low.thresholds_for(&facts);
                let reasons = rules::classify(&figures_of(&f), &parcel.commitments, &thresholds);
                ParcelResult::new(
                    parcel,
                    area_m2,
                    source,
                    sums,
                    f,
                    park_id,
                    reasons,
                    &thresholds,
                    low,
                )
            })
            .collect();
        warnings.extend(park_of.into_iter().filter_map(|(_, w)| w));
        let mut parcel_results = parcel_results;
        for (i, t) in tenants.into_iter().enumerate() {
            parcel_results[i].tenants = t;
        }
        let overlaps = overlap_pairs
            .into_iter()
            .map(|(i, j, area)| Overlap {
                a: parcel_results[i].parcel_id.clone(),
                b: parcel_results[j].parcel_id.clone(),
                area_m2: area,
            })
            .collect::<Vec<_>>();
        if let Some(evaluation) = &config.evaluation {
            self.progress(Stage::Evaluate, "enterprises");
            self.grade(evaluation, &mut parcel_results, &mut enterprise_results);
        }
        if let Some(previous) = &self.previous {
            for p in &mut parcel_results {
                p.previous_low_efficiency = previous.parcels.get(&p.parcel_id).copied();
                p.change = Some(Change::between(p.previous_low_efficiency, p.low_efficiency));
            }
        }
        let park_results = evaluate::parks(
            &parcel_results,
            park_records,
            config.park.max_low_efficiency_ratio,
        );
        times.evaluate += t.elapsed();

        let park_read = parks.as_ref().map_or(0, |l| l.read);
        if let Some(l) = &parks {
            rejected.extend(l.rejected.iter().map(Rejection::from_error));
        }
        rejected.sort_by_key(|r| (r.layer, r.index));
        warnings.sort_by_key(|w| (w.layer, w.index));
        let count = |layer: Layer, code_is_rejection: bool| {
            rejected
                .iter()
                .filter(|r| {
                    r.layer == layer
                        && (r.code != "unmatched" && r.code != "ambiguous") == code_is_rejection
                })
                .count()
        };
        let mut summary = Summary::new(
            &parcel_results,
            &park_results,
            Counts {
                read: parcel_read,
                evaluated: parcel_results.len(),
                rejected: count(Layer::Parcels, true),
            },
            EnterpriseCounts {
                read: enterprise_read,
                joined,
                unmatched,
                ambiguous,
                rejected: count(Layer::Enterprises, true),
            },
            Counts {
                read: park_read,
                evaluated: park_results.len(),
                rejected: count(Layer::Parks, true),
            },
            config,
            layers,
            overlaps.len(),
            warnings.len(),
        );
        summary.classes = config.evaluation.as_ref().map(|_| {
            let grades: Vec<&evaluate::Grade> = enterprise_results
                .iter()
                .filter_map(|e| e.evaluation.as_ref())
                .collect();
            evaluate::class_counts(&grades)
        });
        summary.changes = self.previous.as_ref().map(|_| {
            let mut m = std::collections::BTreeMap::new();
            for p in &parcel_results {
                if let Some(c) = p.change {
                    *m.entry(c.as_str()).or_insert(0) += 1;
                }
            }
            m
        });
        let _ = parcels_file;
        Ok(AuditReport {
            summary,
            parcels: parcel_results,
            parks: park_results,
            enterprises: enterprise_results,
            rejected,
            warnings,
            overlaps,
            times: StageTimes::default(),
        })
    }
}

impl Audit {
    /// The composite evaluation: land shares, grades, class histories, and the D-years rule.
    fn grade(
        &self,
        evaluation: &evaluate::EvaluationConfig,
        parcels: &mut [ParcelResult],
        enterprises: &mut [EnterpriseResult],
    ) {
        let mut land: Vec<Option<f64>> = vec![None; enterprises.len()];
        for p in parcels.iter() {
            let floors: Vec<Option<f64>> = p
                .tenants
                .iter()
                .map(|&i| enterprises[i].enterprise.floor_area_m2)
                .collect();
            let shares = evaluate::land_shares(&floors, evaluation.land_share);
            for (&i, share) in p.tenants.iter().zip(shares) {
                land[i] = Some(p.area_m2 * share);
            }
        }
        let candidates: Vec<evaluate::Candidate> = enterprises
            .iter()
            .zip(&land)
            .map(|(e, &land_m2)| evaluate::Candidate {
                enterprise: &e.enterprise,
                land_m2,
            })
            .collect();
        let grades = evaluate::grade(&candidates, evaluation);
        for ((e, grade), land_m2) in enterprises.iter_mut().zip(grades).zip(land) {
            let mut history = self
                .previous
                .as_ref()
                .and_then(|p| p.enterprises.get(&e.enterprise.id).cloned())
                .unwrap_or_default();
            history.push(grade.class);
            e.class_history = history;
            e.land_m2 = land_m2;
            e.evaluation = Some(grade);
        }
        let years = evaluation.d_years_low_efficiency as usize;
        for p in parcels.iter_mut() {
            // The parcel's class: that of the tenant with the most land (the first on a tie).
            p.class = p
                .tenants
                .iter()
                .filter_map(|&i| {
                    let e = &enterprises[i];
                    Some((e.land_m2?, e.evaluation.as_ref()?.class?))
                })
                .fold(None, |best: Option<(f64, Class)>, (l, c)| match best {
                    Some((bl, _)) if bl >= l => best,
                    _ => Some((l, c)),
                })
                .map(|(_, c)| c);
            if years == 0 {
                continue;
            }
            let repeated = p.tenants.iter().any(|&i| {
                let h = &enterprises[i].class_history;
                h.len() >= years && h[h.len() - years..].iter().all(|c| *c == Some(Class::D))
            });
            if repeated && !p.reasons.contains(&Reason::RepeatedClassD) {
                p.reasons.push(Reason::RepeatedClassD);
                p.low_efficiency = true;
            }
        }
    }
}

fn figures_of(f: &Intensities) -> Figures {
    Figures {
        idle: f.idle,
        investment_per_mu: f.investment_per_mu,
        tax_per_mu: f.tax_per_mu,
        output_per_mu: f.output_per_mu,
        plot_ratio: f.plot_ratio,
    }
}

/// A parcel's area by the configured method, and a warning where a recorded area disagrees.
fn parcel_area(
    p: &Parcel,
    method: AreaMethod,
    planar_ok: bool,
    tolerance: f64,
    file: &std::path::Path,
) -> Result<(f64, AreaSource, Option<Warning>)> {
    let computed = || match (p.planar_area_m2, planar_ok) {
        (Some(a), true) => (a, AreaSource::Planar),
        _ => (p.geometry.geodesic_area_unsigned(), AreaSource::Geodesic),
    };
    let ctx = || crate::error::FeatureContext {
        file: std::sync::Arc::new(file.to_path_buf()),
        layer: Layer::Parcels,
        index: p.index,
        id: Some(p.id.clone()),
    };
    let (area, source, warning) = match method {
        AreaMethod::Auto => {
            let (a, s) = computed();
            (a, s, None)
        }
        AreaMethod::Geodesic => (
            p.geometry.geodesic_area_unsigned(),
            AreaSource::Geodesic,
            None,
        ),
        AreaMethod::Planar => match p.planar_area_m2 {
            Some(a) => (a, AreaSource::Planar, None),
            None => (p.geometry.unsigned_area(), AreaSource::Planar, None),
        },
        AreaMethod::Recorded => {
            let recorded = p.recorded_area_m2.ok_or_else(|| Error::MissingProperty {
                ctx: ctx(),
                property: "land_area (area method \"recorded\")".into(),
            })?;
            let (c, s) = computed();
            let diff = (recorded - c).abs() / c;
            let warning = (diff > tolerance).then(|| Warning {
                layer: Layer::Parcels,
                index: p.index,
                id: Some(p.id.clone()),
                message: format!(
                    "recorded area {recorded:.2} m² differs from the {} area {c:.2} m² by {:.2}% (tolerance {:.2}%)",
                    s.as_str(),
                    diff * 100.0,
                    tolerance * 100.0
                ),
            });
            (recorded, AreaSource::Recorded, warning)
        }
    };
    if !(area.is_finite() && area > 0.0) {
        return Err(Error::ZeroArea { ctx: ctx() });
    }
    Ok((area, source, warning))
}

/// How an enterprise was joined.
enum Join {
    ByKey(usize),
    ByLocation(usize),
    Unmatched(String),
    Ambiguous(Vec<usize>),
}

impl Join {
    fn kind(&self) -> JoinKind {
        match self {
            Join::ByKey(_) => JoinKind::ByKey,
            Join::ByLocation(_) => JoinKind::ByLocation,
            Join::Unmatched(_) => JoinKind::Unmatched,
            Join::Ambiguous(_) => JoinKind::Ambiguous,
        }
    }
}

fn join(
    e: &Enterprise,
    by_id: &HashMap<&str, usize>,
    index: &ParcelIndex,
    parcels: &[(Parcel, f64, AreaSource)],
    rejected_ids: &HashSet<String>,
) -> Join {
    if let Some(key) = &e.parcel_id {
        return match by_id.get(key.as_str()) {
            Some(&i) => Join::ByKey(i),
            None if rejected_ids.contains(key.as_str()) => {
                Join::Unmatched(format!("its parcel_id {key:?} is a rejected parcel"))
            }
            None => Join::Unmatched(format!("its parcel_id {key:?} is not among the parcels")),
        };
    }
    let Some(point) = e.location else {
        return Join::Unmatched("no location and no parcel_id".into());
    };
    match index.locate(point.0) {
        Hit::One(i) => Join::ByLocation(i),
        Hit::None => Join::Unmatched(format!(
            "the point ({:.7}, {:.7}) lies in no parcel",
            point.x(),
            point.y()
        )),
        Hit::Many(v) => {
            let _ = parcels;
            Join::Ambiguous(v)
        }
    }
}

/// The park containing a parcel's interior point.
fn park_of(p: &Parcel, index: &ParcelIndex, parks: &[Park]) -> (Option<usize>, Option<Warning>) {
    if index.is_empty() {
        return (None, None);
    }
    let Some(point) = p.geometry.interior_point() else {
        return (None, None);
    };
    match index.locate(point.0) {
        Hit::None => (None, None),
        Hit::One(k) => (Some(k), None),
        Hit::Many(v) => {
            let ids: Vec<&str> = v.iter().map(|&k| parks[k].id.as_str()).collect();
            (
                Some(v[0]),
                Some(Warning {
                    layer: Layer::Parcels,
                    index: p.index,
                    id: Some(p.id.clone()),
                    message: format!(
                        "the parcel's interior point lies in {} parks ({}); it is counted in {}",
                        ids.len(),
                        ids.join(", "),
                        ids[0]
                    ),
                }),
            )
        }
    }
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

/// One parcel's audit.
///
/// # Units
/// Areas in m² and mu; money sums in 万元; intensities in 万元/亩; floor area in m².
#[derive(Debug, Clone, Serialize)]
pub struct ParcelResult {
    /// The parcel as read (geometry in WGS84); not serialised.
    #[serde(skip)]
    pub parcel: Parcel,
    /// Parcel code.
    pub parcel_id: String,
    /// The park containing its interior point, if any.
    pub park_id: Option<String>,
    /// Area, m².
    pub area_m2: f64,
    /// Area, mu.
    pub area_mu: f64,
    /// How the area was obtained.
    pub area_method: AreaSource,
    /// Enterprises joined.
    pub enterprise_count: usize,
    /// Positions in [`AuditReport::enterprises`] of the enterprises joined.
    #[serde(skip)]
    pub tenants: Vec<usize>,
    /// Tax sum, 万元.
    pub tax: f64,
    /// Investment sum, 万元.
    pub investment: f64,
    /// Output sum, 万元.
    pub output: f64,
    /// Floor area used for the plot ratio, m².
    pub floor_area: Option<f64>,
    /// Tax per mu, 万元/亩.
    pub tax_per_mu: f64,
    /// Investment per mu, 万元/亩.
    pub investment_per_mu: f64,
    /// Output per mu, 万元/亩.
    pub output_per_mu: f64,
    /// Plot ratio.
    pub plot_ratio: Option<f64>,
    /// No enterprise, or zero output.
    pub idle: bool,
    /// Low-efficiency land (低效用地).
    pub low_efficiency: bool,
    /// Why, in the order of [`Reason::ALL`].
    pub reasons: Vec<Reason>,
    /// The thresholds applied.
    pub thresholds: AppliedThresholds,
    /// Names of the `[[low_efficiency.rule]]`s that supplied a threshold (empty: the base).
    pub rules: Vec<String>,
    /// Industry code.
    pub industry: Option<String>,
    /// Land-use class.
    pub land_use: Option<String>,
    /// New or existing.
    pub status: Status,
    /// The class of its main tenant (the one with the most land), when the evaluation ran.
    pub class: Option<Class>,
    /// Low-efficiency in the previous audit, when one was given and listed the parcel.
    pub previous_low_efficiency: Option<bool>,
    /// What changed since the previous audit, when one was given.
    pub change: Option<Change>,
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

impl ParcelResult {
    #[allow(clippy::too_many_arguments)]
    fn new(
        parcel: Parcel,
        area_m2: f64,
        area_method: AreaSource,
        sums: ParcelSums,
        f: Intensities,
        park_id: Option<String>,
        reasons: Vec<Reason>,
        t: &rules::Thresholds,
        config: &rules::LowEfficiencyConfig,
    ) -> Self {
        ParcelResult {
            parcel_id: parcel.id.clone(),
            park_id,
            area_m2,
            area_mu: m2_to_mu(area_m2),
            area_method,
            enterprise_count: sums.enterprise_count,
            tenants: Vec::new(),
            tax: sums.tax,
            investment: sums.investment,
            output: sums.output,
            floor_area: f.floor_area_m2,
            tax_per_mu: f.tax_per_mu,
            investment_per_mu: f.investment_per_mu,
            output_per_mu: f.output_per_mu,
            plot_ratio: f.plot_ratio,
            idle: f.idle,
            low_efficiency: !reasons.is_empty(),
            reasons,
            thresholds: AppliedThresholds {
                min_investment_per_mu: t.investment_per_mu.0,
                min_tax_per_mu: t.tax_per_mu.0,
                min_output_per_mu: t.output_per_mu.0,
                min_plot_ratio: t.plot_ratio.0,
                contract_shortfall: t.contract_shortfall,
            },
            rules: t.rules.iter().map(|&i| config.rule_name(i)).collect(),
            industry: parcel.industry.clone(),
            land_use: parcel.land_use.clone(),
            status: parcel.status,
            class: None,
            previous_low_efficiency: None,
            change: None,
            parcel,
        }
    }
}

/// One enterprise's join (and, when the evaluation runs, its grade).
#[derive(Debug, Clone, Serialize)]
pub struct EnterpriseResult {
    /// The enterprise as read.
    #[serde(flatten)]
    pub enterprise: Enterprise,
    /// How it was joined.
    pub join: JoinKind,
    /// The parcel it was joined to.
    #[serde(rename = "joined_parcel_id")]
    pub parcel_id: Option<String>,
    /// For an ambiguous point, the parcels it lies in.
    pub candidates: Vec<String>,
    /// Land attributed to it for the evaluation, m².
    pub land_m2: Option<f64>,
    /// Its composite evaluation, when configured.
    pub evaluation: Option<evaluate::Grade>,
    /// Its classes, oldest first, this year last (`None` for a year it was not graded); from
    /// the previous audit when one was given.
    pub class_history: Vec<Option<Class>>,
}

/// A record that was not evaluated, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    /// The layer.
    pub layer: Layer,
    /// 0-based feature (or CSV row) index.
    pub index: usize,
    /// The record's id, if it was read.
    pub id: Option<String>,
    /// A short stable code: [`Error::code`], or `unmatched` / `ambiguous` for enterprises.
    pub code: &'static str,
    /// The property at fault, if one is.
    pub property: Option<String>,
    /// The explanation.
    pub reason: String,
}

impl Rejection {
    /// The rejection an error describes.
    pub fn from_error(e: &Error) -> Rejection {
        let message = e.to_string();
        match e.feature() {
            Some(ctx) => {
                let prefix = format!("{ctx}: ");
                Rejection {
                    layer: ctx.layer,
                    index: ctx.index,
                    id: ctx.id.clone(),
                    code: e.code(),
                    property: e.property().map(str::to_string),
                    reason: message
                        .strip_prefix(&prefix)
                        .unwrap_or(&message)
                        .to_string(),
                }
            }
            None => Rejection {
                layer: Layer::Parcels,
                index: usize::MAX,
                id: None,
                code: e.code(),
                property: None,
                reason: message,
            },
        }
    }

    fn of(
        layer: Layer,
        index: usize,
        id: &str,
        code: &'static str,
        property: Option<&str>,
        reason: &str,
    ) -> Self {
        Rejection {
            layer,
            index,
            id: Some(id.to_string()),
            code,
            property: property.map(str::to_string),
            reason: reason.to_string(),
        }
    }
}

/// Something worth a look that did not stop a record from being evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// The layer.
    pub layer: Layer,
    /// 0-based feature index.
    pub index: usize,
    /// The record's id.
    pub id: Option<String>,
    /// What was seen.
    pub message: String,
}

/// Two parcels whose interiors overlap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overlap {
    /// One parcel.
    pub a: String,
    /// The other.
    pub b: String,
    /// Geodesic area of the overlap, m².
    pub area_m2: f64,
}

/// Read, evaluated and rejected counts of a layer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Records read.
    pub read: usize,
    /// Records evaluated.
    pub evaluated: usize,
    /// Records rejected (listed in `rejected.csv`).
    pub rejected: usize,
}

/// The enterprises' counts: `read = joined + unmatched + ambiguous + rejected`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EnterpriseCounts {
    /// Records read.
    pub read: usize,
    /// Joined to a parcel (by key or location).
    pub joined: usize,
    /// In no parcel, or keyed to no parcel.
    pub unmatched: usize,
    /// In two or more parcels.
    pub ambiguous: usize,
    /// Invalid records.
    pub rejected: usize,
}

/// A layer's CRS as resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrsInfo {
    /// The file.
    pub file: String,
    /// The CRS, e.g. `EPSG:4549`.
    pub crs: String,
    /// Where it came from.
    pub source: CrsSource,
}

impl CrsInfo {
    fn of<T>(l: &Loaded<T>) -> CrsInfo {
        CrsInfo {
            file: l.file.display().to_string(),
            crs: l.crs.to_string(),
            source: l.crs_source,
        }
    }
}

/// The CRS of each layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerInfo {
    /// Parcels.
    pub parcels: CrsInfo,
    /// Enterprises.
    pub enterprises: Option<CrsInfo>,
    /// Parks.
    pub parks: Option<CrsInfo>,
}

/// The figures of `summary.json` (SPEC §5), plus counts by reason and the CRS of each layer.
///
/// # Units
/// Areas in mu; ratios are fractions in [0, 1].
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Parcels read, evaluated, rejected.
    pub parcels: Counts,
    /// Enterprises read, joined, unmatched, ambiguous, rejected.
    pub enterprises: EnterpriseCounts,
    /// Park features read, evaluated, rejected.
    pub park_features: Counts,
    /// Total evaluated area, mu.
    pub total_area_mu: f64,
    /// Low-efficiency area, mu.
    pub low_efficiency_area_mu: f64,
    /// Low-efficiency parcels.
    pub low_efficiency_count: usize,
    /// Low-efficiency area / total area (idle parcels in both).
    pub low_efficiency_ratio: Option<f64>,
    /// Idle parcels.
    pub idle_count: usize,
    /// Parcels in no park.
    pub outside_parks_count: usize,
    /// Low-efficiency parcels by reason (a parcel counts once per reason).
    pub low_efficiency_by_reason: std::collections::BTreeMap<&'static str, usize>,
    /// Area method counts: how many parcels used each.
    pub area_methods: std::collections::BTreeMap<&'static str, usize>,
    /// The base thresholds.
    pub thresholds: AppliedThresholds,
    /// The park cap.
    pub max_low_efficiency_ratio: f64,
    /// Overlapping parcel pairs found.
    pub overlap_count: usize,
    /// Warnings issued.
    pub warning_count: usize,
    /// The CRS of each layer.
    pub crs: LayerInfo,
    /// Enterprises by group and class, when the evaluation ran.
    pub classes:
        Option<std::collections::BTreeMap<String, std::collections::BTreeMap<&'static str, usize>>>,
    /// Parcels by change since the previous audit, when one was given.
    pub changes: Option<std::collections::BTreeMap<&'static str, usize>>,
    /// Every park's figures.
    pub parks: Vec<ParkResult>,
}

impl Summary {
    #[allow(clippy::too_many_arguments)]
    fn new(
        parcels: &[ParcelResult],
        parks: &[ParkResult],
        parcel_counts: Counts,
        enterprises: EnterpriseCounts,
        park_features: Counts,
        config: &Config,
        crs: LayerInfo,
        overlap_count: usize,
        warning_count: usize,
    ) -> Summary {
        let total: f64 = parcels.iter().map(|p| p.area_mu).sum();
        let low: f64 = parcels
            .iter()
            .filter(|p| p.low_efficiency)
            .map(|p| p.area_mu)
            .sum();
        let mut by_reason = std::collections::BTreeMap::new();
        let mut methods = std::collections::BTreeMap::new();
        for p in parcels {
            for r in &p.reasons {
                *by_reason.entry(r.as_str()).or_insert(0) += 1;
            }
            *methods.entry(p.area_method.as_str()).or_insert(0) += 1;
        }
        let base = &config.low_efficiency;
        Summary {
            parcels: parcel_counts,
            enterprises,
            park_features,
            total_area_mu: total,
            low_efficiency_area_mu: low,
            low_efficiency_count: parcels.iter().filter(|p| p.low_efficiency).count(),
            low_efficiency_ratio: (total > 0.0).then(|| low / total),
            idle_count: parcels.iter().filter(|p| p.idle).count(),
            outside_parks_count: parcels.iter().filter(|p| p.park_id.is_none()).count(),
            low_efficiency_by_reason: by_reason,
            area_methods: methods,
            thresholds: AppliedThresholds {
                min_investment_per_mu: base.min_investment_per_mu,
                min_tax_per_mu: base.min_tax_per_mu,
                min_output_per_mu: base.min_output_per_mu,
                min_plot_ratio: base.min_plot_ratio,
                contract_shortfall: base.contract_shortfall,
            },
            max_low_efficiency_ratio: config.park.max_low_efficiency_ratio,
            overlap_count,
            warning_count,
            crs,
            classes: None,
            changes: None,
            parks: parks.to_vec(),
        }
    }
}

/// Wall time of each stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StageTimes {
    /// Reading and validating the inputs.
    pub read: Duration,
    /// Building the R-trees.
    pub index: Duration,
    /// Joining enterprises to parcels.
    pub join: Duration,
    /// Areas, intensities, classification, parks.
    pub evaluate: Duration,
    /// Writing the outputs (set by the writer's caller).
    pub write: Duration,
}

/// Everything an audit found.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// The figures of `summary.json`.
    pub summary: Summary,
    /// Every evaluated parcel, in file order.
    pub parcels: Vec<ParcelResult>,
    /// Every park, in file order.
    pub parks: Vec<ParkResult>,
    /// Every valid enterprise, in file order, with its join.
    pub enterprises: Vec<EnterpriseResult>,
    /// Every record not evaluated, by layer and index.
    pub rejected: Vec<Rejection>,
    /// Warnings, by layer and index.
    pub warnings: Vec<Warning>,
    /// Overlapping parcel pairs.
    pub overlaps: Vec<Overlap>,
    /// Wall time per stage (not serialised).
    #[serde(skip)]
    pub times: StageTimes,
}
