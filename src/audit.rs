//! The pipeline: read the layers, join enterprises to parcels, compute per-mu figures,
//! classify parcels, aggregate parks. [`Audit::run`] returns an [`AuditReport`] of typed,
//! serde-serialisable results; [`crate::write`] turns it into the output files.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::config::{AreaMethod, Config};
use crate::crs::Crs;
use crate::error::{Error, FeatureContext, Layer, Rejection, Result, Warning};
use crate::grade;
use crate::index::{Hit, ParcelIndex};
use crate::metrics::intensities;
use crate::parcel::Class;
use crate::parcel::{AreaSource, Enterprises, ParcelRef, Parcels, Parks, Place};
use crate::parks;
use crate::read::previous::{Change, PreviousAudit};
use crate::read::{self, Loaded, ReadOptions, Source};
use crate::results::sums_of;
use crate::results::{
    AppliedThresholds, AuditReport, Counts, EnterpriseCounts, Figures, JoinKind, JoinState,
    LayerInfo, NO_PARK, Overlap, ParcelFacts as SummaryFacts, PreviousInfo, RuleSet, StageTimes,
    Summary, Tenants,
};
use crate::rules::{self, ParcelFacts, Reason};

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
    /// The input files (in-memory sources are not files). The report of a run keeps them,
    /// and [`crate::write::write_all`] refuses to write over them.
    pub fn paths(&self) -> Vec<std::path::PathBuf> {
        [
            Some(&self.parcels),
            self.enterprises.as_ref(),
            self.parks.as_ref(),
        ]
        .into_iter()
        .flatten()
        .filter_map(Source::file)
        .map(Path::to_path_buf)
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

/// A progress callback: the stage, a short description, and for reads the bytes done out of
/// the file's size (called as each batch of features is parsed).
pub type Progress = dyn Fn(Stage, &str, Option<(u64, u64)>) + Send + Sync;

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
/// let p = report.parcel(0);
/// assert_eq!(p.enterprise_count(), 1);
/// // 0.001° × 0.001° at 30°N is about 96.5 m × 110.9 m: 16.04 mu.
/// assert!((p.area_mu() - 16.05).abs() < 0.02, "{}", p.area_mu());
/// assert!((p.tax_per_mu() - 300.0 / p.area_mu()).abs() < 1e-9);
/// assert!(!p.low_efficiency()); // 18.7 万元/亩 tax ≥ 15, plot ratio 1.12 ≥ 1.0, ...
/// assert_eq!(report.summary.parcels.read, 1);
/// ```
pub struct Audit {
    config: Config,
    strict: bool,
    hold_text: bool,
    crs: Option<Crs>,
    previous: Option<PreviousAudit>,
    progress: Option<std::sync::Arc<Progress>>,
}

impl Audit {
    /// An audit with this configuration, lenient, CRS as the files declare.
    pub fn new(config: Config) -> Self {
        Audit {
            config,
            strict: false,
            hold_text: false,
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

    /// Hold parcels' `properties` and enterprises' names in memory instead of reading them
    /// back from the input files when the outputs are written (see
    /// [`ReadOptions::hold_text`]): for inputs that will be gone or changed by then.
    pub fn hold_text(mut self, hold: bool) -> Self {
        self.hold_text = hold;
        self
    }

    /// The CRS of every input, overriding what the files declare and `[crs] input`; a layer
    /// the config gives a CRS of its own (`[crs] enterprises`) keeps that one, as a lon/lat
    /// CSV of firms beside Gauss-Krüger parcels needs.
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

    /// Calls `f` as each stage starts, and as each file is read with the bytes done.
    pub fn on_progress(
        mut self,
        f: impl Fn(Stage, &str, Option<(u64, u64)>) + Send + Sync + 'static,
    ) -> Self {
        self.progress = Some(std::sync::Arc::new(f));
        self
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn progress(&self, stage: Stage, what: &str) {
        if let Some(f) = &self.progress {
            f(stage, what, None);
        }
    }

    /// The byte-progress hook handed to a reader of `source`.
    fn read_progress(&self, source: &Source) -> Option<read::ByteProgress> {
        let f = self.progress.clone()?;
        let name = source.name().display().to_string();
        let total = source.len().unwrap_or(0);
        Some(std::sync::Arc::new(move |done| {
            f(Stage::Read, &name, Some((done, total)))
        }))
    }

    /// The read options of a layer: `[crs] <layer>`, else the builder's CRS (`--crs`, for
    /// every input), else `[crs] input`.
    fn options(&self, layer: Layer, source: &Source) -> Result<ReadOptions> {
        let crs = &self.config.crs;
        let own = match (layer, &crs.parcels, &crs.enterprises, &crs.parks) {
            (Layer::Parcels, Some(n), _, _) => Some(("parcels", n)),
            (Layer::Enterprises, _, Some(n), _) => Some(("enterprises", n)),
            (Layer::Parks, _, _, Some(n)) => Some(("parks", n)),
            _ => None,
        };
        let parse = |key: &str, name: &str| {
            Crs::parse(name).map_err(|e| Error::Config {
                path: "<config>".into(),
                message: format!("crs.{key}: {e}"),
            })
        };
        let crs = match (own, &self.crs, &crs.input) {
            (Some((key, name)), _, _) => Some(parse(key, name)?),
            (None, Some(c), _) => Some(c.clone()),
            (None, None, Some(name)) => Some(parse("input", name)?),
            (None, None, None) => None,
        };
        Ok(ReadOptions {
            strict: self.strict,
            crs,
            progress: self.read_progress(source),
            hold_text: self.hold_text,
        })
    }

    /// Reads the inputs and runs the audit.
    ///
    /// # Errors
    /// [`Error::Config`] when the configuration is not valid ([`Config::validate`]); file
    /// errors (cannot open, malformed, not a FeatureCollection, unknown CRS), or the first
    /// record error when strict. Record errors of a lenient run are in
    /// [`AuditReport::rejected`]. [`Error::Csv`], naming its `parcels.csv` or
    /// `enterprises.csv`, when the [previous audit](Audit::previous) shares no parcel id with
    /// this one, has graded none of the firms this one grades, or has no classes when
    /// `[evaluation] d_years_low_efficiency` is 2 or more: its data, not how it was asked for.
    pub fn run(&self, inputs: &Inputs) -> Result<AuditReport> {
        self.config.validate()?;
        self.check_previous()?;
        let mut times = StageTimes::default();
        let t = Instant::now();
        self.progress(Stage::Read, &inputs.parcels.name().display().to_string());
        let parcels = read::read_parcels(
            &inputs.parcels,
            &self.config,
            &self.options(Layer::Parcels, &inputs.parcels)?,
        )?;
        // The parcels' areas are worked out while the other layers are read: the readers
        // leave a core idle part of the time (their sink is serial). A reading error stops
        // the area work.
        let (areas, others) = areas_beside(&parcels, &self.config, || self.read_others(inputs));
        let (enterprises, parks) = others?;
        times.read = t.elapsed();
        let mut report = self.assess_with(parcels, enterprises, parks, areas, &mut times)?;
        report.times = times;
        report.input_files.extend(inputs.paths());
        Ok(report)
    }

    /// Reads the enterprises and parks layers, those given.
    fn read_others(&self, inputs: &Inputs) -> Result<OtherLayers> {
        let enterprises = match &inputs.enterprises {
            Some(s) => {
                self.progress(Stage::Read, &s.name().display().to_string());
                Some(read::read_enterprises(
                    s,
                    &self.config,
                    &self.options(Layer::Enterprises, s)?,
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
                    &self.options(Layer::Parks, s)?,
                )?)
            }
            None => None,
        };
        Ok((enterprises, parks))
    }

    /// Runs the audit on layers already read. Rows a caller pushed into the tables have their
    /// rings oriented as the readers orient them (exterior counter-clockwise, holes clockwise).
    ///
    /// # Errors
    /// [`Error::Config`] when the configuration is not valid ([`Config::validate`]); for
    /// rows a caller pushed into the tables, the error the reader would have rejected the
    /// record with (a negative or non-finite figure, a repeated id, a coordinate that is not
    /// finite or past WGS84 lon/lat, a shape across the antimeridian, an invalid shape), naming
    /// the row's index and id; [`Error::Usage`] when a layer's `read` is not its records and
    /// rejected ones together, or when the area method cannot
    /// apply (planar area of lon/lat input); [`Error::Csv`] when the previous audit cannot be
    /// compared with this one (see [`Audit::run`]); the first record error when strict.
    pub fn assess(
        &self,
        parcels: Loaded<Parcels>,
        enterprises: Option<Loaded<Enterprises>>,
        parks: Option<Loaded<Parks>>,
        times: &mut StageTimes,
    ) -> Result<AuditReport> {
        self.config.validate()?;
        self.check_previous()?;
        self.assess_with(parcels, enterprises, parks, None, times)
    }

    /// `[evaluation] d_years_low_efficiency` of 2 or more takes last year's classes from the
    /// previous audit: one that has none (no `enterprises.csv`, or one written by an audit run
    /// without `[evaluation]`) would leave the rule silently off, so it is refused before the
    /// inputs are read. With no previous audit at all (a first year) the rule waits.
    fn check_previous(&self) -> Result<()> {
        let (Some(previous), Some(evaluation)) = (&self.previous, &self.config.evaluation) else {
            return Ok(());
        };
        let years = evaluation.d_years_low_efficiency;
        if years < 2 || previous.has_classes() {
            return Ok(());
        }
        let why = if previous.read_enterprises() {
            "its enterprises.csv gives no enterprise a class (the class and class_history \
             columns are empty or missing, as an audit run without [evaluation] writes them)"
        } else {
            "it has no enterprises.csv"
        };
        Err(Error::Csv {
            path: PathBuf::from(previous.folder()).join("enterprises.csv"),
            message: format!(
                "[evaluation] d_years_low_efficiency = {years} needs last year's classes from the \
             previous audit {}, but {why}: give the output folder of an audit run with \
             [evaluation], or set d_years_low_efficiency = 0 until there is one",
                previous.folder()
            ),
        })
    }

    /// [`Audit::assess`], with the parcels' area outcomes if they were worked out already.
    fn assess_with(
        &self,
        mut parcels: Loaded<Parcels>,
        enterprises: Option<Loaded<Enterprises>>,
        mut parks: Option<Loaded<Parks>>,
        areas: Option<Vec<AreaOutcome>>,
        times: &mut StageTimes,
    ) -> Result<AuditReport> {
        let config = &self.config;
        // Rings as the readers leave them: exterior counter-clockwise, holes clockwise (Karney's
        // area of a clockwise exterior is the rest of the ellipsoid).
        if !parcels.records.validated {
            parcels.records.shapes.orient();
        }
        if let Some(l) = parks.as_mut().filter(|l| !l.records.validated) {
            l.records.shapes.orient();
        }
        check_ledger(&parcels, parcels.records.len(), Layer::Parcels)?;
        if let Some(l) = &enterprises {
            check_ledger(l, l.records.len(), Layer::Enterprises)?;
        }
        if let Some(l) = &parks {
            check_ledger(l, l.records.len(), Layer::Parks)?;
        }
        check_pushed(&parcels, enterprises.as_ref(), parks.as_ref())?;
        let mut rejected: Vec<Rejection> = Vec::new();
        let mut warnings: Vec<Warning> = Vec::new();
        let layers = LayerInfo {
            parcels: parcels.crs_info(),
            enterprises: enterprises.as_ref().map(Loaded::crs_info),
            parks: parks.as_ref().map(Loaded::crs_info),
        };

        // Areas first: a parcel the area method cannot serve is rejected before the join.
        let t = Instant::now();
        self.progress(Stage::Evaluate, "areas");
        let planar_ok = parcels.crs.planar_area_is_meaningful();
        if config.area.method == AreaMethod::Planar && !planar_ok {
            return Err(Error::Usage(format!(
                "area method \"planar\" needs projected parcels; {} is in {} — use \"geodesic\" or \"auto\"",
                parcels.file.display(),
                parcels.crs
            )));
        }
        let Loaded {
            file: parcels_file,
            records: mut parcel_table,
            rejected: parcel_rejected,
            warnings: parcel_warnings,
            read: parcel_read,
            ..
        } = parcels;
        warnings.extend(parcel_warnings);
        // Areas in parallel, eight bytes and a tag each; warnings and errors (rare) are built
        // again afterwards for the rows that have them.
        let areas = match areas {
            Some(a) if a.len() == parcel_table.len() => a,
            _ => area_outcomes_of(&parcel_table, config, planar_ok, &parcels_file),
        };
        let mut keep = vec![true; areas.len()];
        let mut figures: Vec<Figures> = Vec::with_capacity(areas.len());
        for (row, (area, source, outcome)) in areas.into_iter().enumerate() {
            match outcome {
                Outcome::Ok => figures.push(Figures::new(area, source)),
                Outcome::Warned => {
                    let again =
                        parcel_area(parcel_table.get(row), config, planar_ok, &parcels_file);
                    warnings.extend(again.ok().and_then(|(_, _, w)| w));
                    figures.push(Figures::new(area, source));
                }
                Outcome::Failed => {
                    let Err(e) =
                        parcel_area(parcel_table.get(row), config, planar_ok, &parcels_file)
                    else {
                        continue;
                    };
                    if self.strict {
                        return Err(e);
                    }
                    rejected.push(Rejection::from_error(&e));
                    keep[row] = false;
                }
            }
        }
        if keep.iter().any(|k| !k) {
            parcel_table.retain(&keep);
        }
        drop(keep);
        times.evaluate += t.elapsed();
        rejected.extend(parcel_rejected.iter().map(Rejection::from_error));

        // Index.
        let t = Instant::now();
        self.progress(Stage::Index, "parcels");
        let (park_table, park_read, park_rejected) = match parks {
            Some(l) => {
                warnings.extend(l.warnings);
                (l.records, l.read, l.rejected)
            }
            None => (Parks::default(), 0, Vec::new()),
        };
        // Warnings about no one record: written after the per-record ones.
        let mut notes = unknown_park_rules(config, &park_table, layers.parks.is_some());
        let park_index = ParcelIndex::new(&park_table.shapes);
        // The parcels' R-tree is bulk-loaded on this thread (~0.2 s at 1M, and in this
        // thread's heap); each parcel's park is found on the pool meanwhile.
        let mut several: Vec<usize> = Vec::new();
        let parcel_index = rayon::in_place_scope(|scope| {
            scope.spawn(|_| {
                several = figures
                    .par_iter_mut()
                    .enumerate()
                    .filter_map(|(row, f)| {
                        let (park, several) = park_of(parcel_table.get(row), &park_index);
                        f.park = park;
                        several.then_some(row)
                    })
                    .collect();
            });
            ParcelIndex::new(&parcel_table.shapes)
        });
        times.index = t.elapsed();

        // Join.
        let t = Instant::now();
        self.progress(Stage::Join, "enterprises → parcels");
        let (enterprise_table, enterprise_read, enterprise_rejected) = match enterprises {
            Some(l) => {
                // The file's own (a CSV read as GB18030).
                warnings.extend(l.warnings);
                (l.records, l.read, l.rejected)
            }
            None => (Enterprises::new(), 0, Vec::new()),
        };
        rejected.extend(enterprise_rejected.iter().map(Rejection::from_error));
        // Key joins need the parcels by id; skip building the map when no enterprise has a key.
        let keyed = (0..enterprise_table.len())
            .any(|row| enterprise_table.parcel_key(row).is_some())
            || (enterprise_table.rejected_places.iter()).any(|(_, p)| matches!(p, Place::Key(_)));
        let by_id: HashMap<&str, u32> = if keyed {
            (0..parcel_table.len())
                .map(|row| (parcel_table.ids.get(row), row as u32))
                .collect()
        } else {
            HashMap::new()
        };
        let rejected_parcel_ids: HashSet<&str> = rejected
            .iter()
            .filter(|r| r.layer == Layer::Parcels)
            .filter_map(|r| r.id.as_deref())
            .collect();
        let rejected_parcels = rejected
            .iter()
            .filter(|r| r.layer == Layer::Parcels)
            .count();
        // The overlap search walks the tree on one thread (~0.1 s at 1M parcels); it runs
        // beside the join, which keeps the other core busy.
        let (overlap_pairs, outcomes) = rayon::join(
            || parcel_index.overlaps(),
            || -> Vec<Join> {
                (0..enterprise_table.len())
                    .into_par_iter()
                    .map(|row| {
                        join(
                            &enterprise_table,
                            row,
                            &by_id,
                            &parcel_index,
                            &rejected_parcel_ids,
                        )
                    })
                    .collect()
            },
        );
        drop(rejected_parcel_ids);
        let mut joins = Vec::with_capacity(outcomes.len());
        let mut ambiguous_sets = HashMap::new();
        let (mut joined, mut unmatched, mut ambiguous) = (0, 0, 0);
        for (row, j) in outcomes.into_iter().enumerate() {
            let id = enterprise_table.id(row);
            let index = enterprise_table.index[row] as usize;
            match j {
                Join::ByKey(p) | Join::ByLocation(p) => {
                    joined += 1;
                    let kind = if matches!(j, Join::ByKey(_)) {
                        JoinKind::ByKey
                    } else {
                        JoinKind::ByLocation
                    };
                    joins.push(JoinState { kind, parcel: p });
                }
                Join::Unmatched(miss) => {
                    unmatched += 1;
                    let why = miss.explain(&enterprise_table, row, rejected_parcels);
                    let key = &self.config.fields.enterprises.parcel_id;
                    rejected.push(Rejection::of(
                        Layer::Enterprises,
                        index,
                        id,
                        "unmatched",
                        miss.property(key),
                        &why,
                    ));
                    joins.push(JoinState {
                        kind: JoinKind::Unmatched,
                        parcel: u32::MAX,
                    });
                }
                Join::Ambiguous => {
                    // Joined to no parcel: unmatched, as the summary counts it, and ambiguous.
                    unmatched += 1;
                    ambiguous += 1;
                    let candidates: Vec<u32> = match enterprise_table
                        .location(row)
                        .map(|p| parcel_index.locate(p))
                    {
                        Some(Hit::Many(v)) => v.into_iter().map(|i| i as u32).collect(),
                        _ => Vec::new(),
                    };
                    let ids: Vec<&str> = candidates
                        .iter()
                        .map(|&p| parcel_table.ids.get(p as usize))
                        .collect();
                    rejected.push(Rejection::of(
                        Layer::Enterprises,
                        index,
                        id,
                        "ambiguous",
                        Some("geometry"),
                        &format!(
                            "the point lies in {} parcels: {}",
                            ids.len(),
                            ids.join(", ")
                        ),
                    ));
                    ambiguous_sets.insert(row as u32, candidates);
                    joins.push(JoinState {
                        kind: JoinKind::Ambiguous,
                        parcel: u32::MAX,
                    });
                }
            }
        }
        let tenants = tenants_of(&joins, parcel_table.len());
        let unsure = unsure_parcels(
            &enterprise_table,
            &enterprise_rejected,
            &ambiguous_sets,
            &by_id,
            &parcel_index,
        );
        let mut enterprise_table = enterprise_table;
        enterprise_table.forget_locations();
        drop(by_id);
        drop(parcel_index);
        times.join = t.elapsed();

        // Evaluate parcels.
        let t = Instant::now();
        self.progress(Stage::Evaluate, "parcels");
        warnings.extend(
            several
                .into_iter()
                .filter_map(|row| several_parks(parcel_table.get(row), &park_index, &park_table)),
        );
        drop(park_index);
        let (rule_sets, rule_ties) = rule_sets(&parcel_table, &mut figures, &park_table, config);
        warnings.extend(rule_ties);
        let low = &config.low_efficiency;
        let resolved: Vec<&rules::Thresholds> = rule_sets.iter().collect();
        figures.par_iter_mut().enumerate().for_each(|(row, f)| {
            let p = parcel_table.get(row);
            let i = intensities(
                &sums_of(tenants.of(row), &enterprise_table),
                p.floor_area_m2(),
                f.area_m2,
            );
            f.idle = i.idle;
            f.reasons = rules::classify(
                &figures_of(&i),
                &p.commitments(),
                resolved[f.rule_set as usize],
            );
            if unsure.binary_search_by_key(&(row as u32), |u| u.0).is_ok() {
                f.unsure = true;
                f.idle = false;
                f.reasons = not_on_tenants(f.reasons, p.floor_area_m2().is_none());
            }
        });
        warnings.extend(unsure_warnings(&unsure, &parcel_table));
        drop(unsure);
        let rule_sets: Vec<RuleSet> = rule_sets
            .into_iter()
            .map(|t| RuleSet {
                thresholds: applied(&t),
                rules: t.rules.iter().map(|&i| low.rule_name(i)).collect(),
            })
            .collect();
        let overlaps = overlap_pairs
            .into_iter()
            .map(|(i, j, area)| Overlap {
                a: parcel_table.ids.get(i).to_string(),
                b: parcel_table.ids.get(j).to_string(),
                area_m2: area,
            })
            .collect::<Vec<_>>();
        let (land, grades, histories) = match &config.evaluation {
            Some(evaluation) => {
                self.progress(Stage::Evaluate, "enterprises");
                let graded = self.grade(evaluation, &tenants, &enterprise_table, &mut figures)?;
                if let Some(previous) = &self.previous {
                    notes.extend(class_overlap_with(previous, &enterprise_table, &graded.1)?);
                }
                let g: Vec<&grade::Grade> = graded.1.iter().flatten().collect();
                notes.extend(
                    grade::absent_indicators(&g, evaluation)
                        .into_iter()
                        .map(|message| Warning {
                            layer: Layer::Enterprises,
                            index: Warning::NO_RECORD,
                            id: None,
                            message,
                        }),
                );
                graded
            }
            None => (Vec::new(), Vec::new(), Vec::new()),
        };
        let mut run_warnings = Vec::new();
        // A first year: the rule waits, which the run should say rather than leave unseen.
        if let Some(evaluation) = &config.evaluation
            && evaluation.d_years_low_efficiency >= 2
            && self.previous.is_none()
        {
            run_warnings.push(Warning {
                layer: Layer::Enterprises,
                index: Warning::NO_RECORD,
                id: None,
                message: format!(
                    "[evaluation] d_years_low_efficiency = {} but no previous audit was given \
                     (--previous): no parcel is low for a tenant graded D {} years running this \
                     time",
                    evaluation.d_years_low_efficiency, evaluation.d_years_low_efficiency
                ),
            });
        }
        let mut matched = 0;
        if let Some(previous) = &self.previous {
            for (row, f) in figures.iter_mut().enumerate() {
                let id = parcel_table.ids.get(row);
                f.previous = previous.parcels.get(id).copied();
                // A parcel not judged, this year or the last, has no change to report either
                // way.
                let unjudged_then = previous.unjudged.contains(id);
                matched += usize::from(f.previous.is_some() || unjudged_then);
                // Low on its own figures, a parcel is low whatever its tenants.
                f.change = (!f.unjudged() && !unjudged_then)
                    .then(|| Change::between(f.previous, !f.reasons.is_empty()));
            }
            run_warnings.extend(overlap_with(previous, &parcel_table, matched)?);
            run_warnings.extend(previous.gb18030.iter().map(|file| Warning {
                layer: if file.ends_with("enterprises.csv") {
                    Layer::Enterprises
                } else {
                    Layer::Parcels
                },
                index: Warning::NO_RECORD,
                id: None,
                message: format!(
                    "the previous audit's {} is not UTF-8: read as GB18030 (GBK), as Excel saves \
                     CSV on Chinese Windows",
                    file.display()
                ),
            }));
            run_warnings.extend(previous.notes.iter().map(|note| Warning {
                layer: Layer::Parcels,
                index: Warning::NO_RECORD,
                id: None,
                message: note.clone(),
            }));
        }
        let shares = figures.iter().map(|f| parks::ParkShare {
            park: (f.park != NO_PARK).then_some(f.park as usize),
            area_m2: f.area_m2,
            low_efficiency: !f.reasons.is_empty(),
            idle: f.idle,
            unjudged: f.unjudged(),
        });
        let park_results = parks::parks(shares, &park_table, config.park.max_low_efficiency_ratio);
        times.evaluate += t.elapsed();

        rejected.extend(park_rejected.iter().map(Rejection::from_error));
        rejected.sort_by_key(|r| (r.layer, r.index));
        if !warnings.is_empty() {
            // A note on a record rejected after it was read (its area, say) goes with it.
            let gone: HashSet<(Layer, usize)> = rejected
                .iter()
                .filter(|r| !r.is_join_miss())
                .map(|r| (r.layer, r.index))
                .collect();
            warnings.retain(|w| !gone.contains(&(w.layer, w.index)));
        }
        warnings.append(&mut notes);
        warnings.sort_by_key(|w| (w.layer, w.index));
        // Warnings about the run as a whole come first.
        warnings.splice(0..0, run_warnings);
        let count = |layer: Layer| {
            rejected
                .iter()
                .filter(|r| r.layer == layer && !r.is_join_miss())
                .count()
        };
        let facts = figures.iter().map(|f| SummaryFacts {
            area_m2: f.area_m2,
            reasons: f.reasons,
            idle: f.idle,
            in_park: f.park != NO_PARK,
            area_method: f.area_source,
            unjudged: f.unjudged(),
        });
        let mut summary = Summary::new(
            facts,
            &park_results,
            Counts {
                read: parcel_read,
                evaluated: figures.len(),
                rejected: count(Layer::Parcels),
            },
            EnterpriseCounts {
                read: enterprise_read,
                joined,
                unmatched,
                ambiguous,
                rejected: count(Layer::Enterprises),
            },
            Counts {
                read: park_read,
                evaluated: park_results.len(),
                rejected: count(Layer::Parks),
            },
            config,
            layers,
            overlaps.len(),
            warnings.len(),
        );
        summary.classes = config.evaluation.as_ref().map(|_| {
            let g: Vec<&grade::Grade> = grades.iter().flatten().collect();
            grade::class_counts(&g)
        });
        summary.previous = self.previous.as_ref().map(|previous| PreviousInfo {
            files: previous
                .files
                .iter()
                .map(|f| f.display().to_string())
                .collect(),
            parcels: previous.parcels.len() + previous.unjudged.len(),
            matched,
        });
        summary.changes = self.previous.as_ref().map(|previous| {
            let mut m = std::collections::BTreeMap::new();
            for c in figures.iter().filter_map(|f| f.change) {
                *m.entry(c.as_str()).or_insert(0) += 1;
            }
            // Those with no change: not judged this year or the last. With them the changes
            // add up to the parcels evaluated.
            m.insert(
                "unjudged",
                figures.iter().filter(|f| f.change.is_none()).count(),
            );
            // Parcels of the previous audit that this one did not evaluate (removed from the
            // data, or rejected this year), and how many of them were low-efficiency then.
            let now: HashSet<&str> = (0..parcel_table.len())
                .map(|row| parcel_table.ids.get(row))
                .collect();
            let gone: Vec<bool> = previous
                .parcels
                .iter()
                .map(|(id, &was_low)| (id, was_low))
                .chain(previous.unjudged.iter().map(|id| (id, false)))
                .filter(|(id, _)| !now.contains(id.as_str()))
                .map(|(_, was_low)| was_low)
                .collect();
            m.insert("gone", gone.len());
            m.insert("gone_low", gone.iter().filter(|&&low| low).count());
            m
        });
        Ok(AuditReport {
            summary,
            parks: park_results,
            rejected,
            warnings,
            overlaps,
            times: StageTimes::default(),
            parcel_table,
            figures,
            tenants,
            rule_sets,
            park_table,
            enterprise_table,
            joins,
            ambiguous: ambiguous_sets,
            land,
            grades,
            histories,
            input_files: self
                .previous
                .as_ref()
                .map_or_else(Vec::new, |p| p.files.clone()),
            read_fields: [
                config.fields.parcel_id.clone(),
                config.fields.floor_area.clone(),
            ],
            parcel_order: Default::default(),
            enterprise_order: Default::default(),
        })
    }

    /// The composite evaluation: land shares, grades, class histories, and the D-years rule.
    #[allow(clippy::type_complexity)]
    fn grade(
        &self,
        evaluation: &grade::EvaluationConfig,
        tenants: &Tenants,
        enterprises: &Enterprises,
        figures: &mut [Figures],
    ) -> Result<(
        Vec<Option<f64>>,
        Vec<Option<grade::Grade>>,
        Vec<Vec<Option<Class>>>,
    )> {
        let mut land: Vec<Option<f64>> = vec![None; enterprises.len()];
        for (row, f) in figures.iter().enumerate() {
            // A firm left out of the parcel would take a share: the others' are unknown.
            if f.unsure {
                continue;
            }
            let rows = tenants.of(row);
            let floors: Vec<Option<f64>> = rows
                .iter()
                .map(|&e| enterprises.floor_area_m2(e as usize))
                .collect();
            for (&e, share) in rows
                .iter()
                .zip(grade::land_shares(&floors, evaluation.land_share))
            {
                land[e as usize] = Some(f.area_m2 * share);
            }
        }
        let records: Vec<crate::parcel::Enterprise> = (0..enterprises.len())
            .map(|row| enterprises.record(row))
            .collect();
        let candidates: Vec<grade::Candidate> = records
            .iter()
            .zip(&land)
            .map(|(e, &land_m2)| grade::Candidate {
                enterprise: e,
                land_m2,
            })
            .collect();
        // The configuration was validated when the audit started.
        let mut grades = grade::grade(&candidates, evaluation)?;
        for (row, _) in figures.iter().enumerate().filter(|(_, f)| f.unsure) {
            for &e in tenants.of(row) {
                let g = &mut grades[e as usize];
                if !enterprises.record(e as usize).exempt {
                    g.not_graded = Some(
                        "its parcel holds a firm left out of its figures (rejected, or in two \
                         parcels): its land share is unknown"
                            .into(),
                    );
                }
            }
        }
        let histories: Vec<Vec<Option<Class>>> = records
            .iter()
            .zip(&grades)
            .map(|(e, g)| {
                let mut h = self
                    .previous
                    .as_ref()
                    .and_then(|p| p.enterprises.get(&e.id).cloned())
                    .unwrap_or_default();
                h.push(g.class);
                h
            })
            .collect();
        let years = evaluation.d_years_low_efficiency as usize;
        for (row, f) in figures.iter_mut().enumerate() {
            // The parcel's class: that of the tenant with the most land (the first on a tie).
            f.class = tenants
                .of(row)
                .iter()
                .filter_map(|&e| Some((land[e as usize]?, grades[e as usize].class?)))
                .fold(None, |best: Option<(f64, Class)>, (l, c)| match best {
                    Some((bl, _)) if bl >= l => best,
                    _ => Some((l, c)),
                })
                .map(|(_, c)| c);
            if years == 0 {
                continue;
            }
            let repeated = tenants.of(row).iter().any(|&e| {
                let h = &histories[e as usize];
                h.len() >= years && h[h.len() - years..].iter().all(|c| *c == Some(Class::D))
            });
            if repeated {
                f.reasons.push(Reason::RepeatedClassD);
            }
        }
        Ok((land, grades.into_iter().map(Some).collect(), histories))
    }
}

fn applied(t: &rules::Thresholds) -> AppliedThresholds {
    AppliedThresholds {
        min_investment_per_mu: t.investment_per_mu.0,
        min_tax_per_mu: t.tax_per_mu.0,
        min_output_per_mu: t.output_per_mu.0,
        min_plot_ratio: t.plot_ratio.0,
        contract_shortfall: t.contract_shortfall,
    }
}

/// How much of this audit the previous one covers. None of it, when both have parcels, is an
/// error: the comparison would call every parcel new and every old one gone, and the likely
/// causes are another zone's audit or a parcels.csv saved from Excel, which drops leading
/// zeros ("000123" → "123"). Under half is a warning naming the count.
fn overlap_with(
    previous: &PreviousAudit,
    parcels: &Parcels,
    matched: usize,
) -> Result<Option<Warning>> {
    let there = previous.parcels.len() + previous.unjudged.len();
    let here = parcels.len();
    if here == 0 || there == 0 || matched * 2 >= here {
        return Ok(None);
    }
    let folder = previous.folder();
    if matched == 0 {
        return Err(Error::Csv {
            path: PathBuf::from(&folder).join("parcels.csv"),
            message: format!(
                "the previous audit {folder} shares no parcel id with this one: {there} parcels \
             there (e.g. {}), {here} here (e.g. {}). Is it another zone's audit, or was its \
             parcels.csv saved from Excel, which drops leading zeros (\"000123\" → \"123\")?",
                crate::read::previous::two_ids(
                    (previous.parcels.keys().chain(&previous.unjudged)).map(String::as_str)
                ),
                crate::read::previous::two_ids((0..here).map(|row| parcels.ids.get(row))),
            ),
        });
    }
    Ok(Some(Warning {
        layer: Layer::Parcels,
        index: Warning::NO_RECORD,
        id: None,
        message: format!(
            "only {matched} of this audit's {here} parcels are in the previous audit {folder} \
             ({there} parcels there): the others count as new; check it is this zone's last \
             audit, its parcel ids written as here"
        ),
    }))
}

/// How many of the firms this audit graded the previous audit graded too. None of them, when
/// both graded firms, is an error: every class history would restart and "D two years running" could not
/// fire, and the likely cause is an enterprises.csv saved from Excel, which drops leading
/// zeros and shows an 18-digit credit code as 9.13301E+17. Under half is a warning.
fn class_overlap_with(
    previous: &PreviousAudit,
    enterprises: &Enterprises,
    grades: &[Option<grade::Grade>],
) -> Result<Option<Warning>> {
    let graded_then: Vec<&str> = (previous.enterprises.iter())
        .filter(|(_, history)| !history.is_empty())
        .map(|(id, _)| id.as_str())
        .collect();
    let graded_now: Vec<&str> = (grades.iter().enumerate())
        .filter(|(_, g)| g.as_ref().is_some_and(|g| g.class.is_some()))
        .map(|(row, _)| enterprises.id(row))
        .collect();
    let here = graded_now.len();
    if here == 0 || graded_then.is_empty() {
        return Ok(None);
    }
    let matched = (graded_now.iter())
        .filter(|id| {
            previous
                .enterprises
                .get(**id)
                .is_some_and(|h| !h.is_empty())
        })
        .count();
    if matched * 2 >= here {
        return Ok(None);
    }
    let folder = previous.folder();
    if matched == 0 {
        return Err(Error::Csv {
            path: PathBuf::from(&folder).join("enterprises.csv"),
            message: format!(
                "the previous audit {folder} graded {} firms (e.g. {}), none of the {here} this audit \
             grades (e.g. {}): every class history would restart. Is it another zone's audit, or was \
             its enterprises.csv saved from Excel, which drops leading zeros (\"000123\" → \
             \"123\") and shows 18-digit credit codes as 9.13301E+17?",
                graded_then.len(),
                crate::read::previous::two_ids(graded_then.iter().copied()),
                crate::read::previous::two_ids(graded_now.iter().copied()),
            ),
        });
    }
    Ok(Some(Warning {
        layer: Layer::Enterprises,
        index: Warning::NO_RECORD,
        id: None,
        message: format!(
            "only {matched} of the {here} firms this audit grades were graded by the previous \
             audit {folder} ({} graded there): the others' class histories start this year; \
             check its enterprise ids are written as here",
            graded_then.len()
        ),
    }))
}

/// The distinct threshold sets the parcels fall under, each parcel's set recorded in its
/// figures. With no rules every parcel shares the base set; otherwise sets are cached by the
/// facts rules match on.
fn rule_sets(
    parcels: &Parcels,
    figures: &mut [Figures],
    parks: &Parks,
    config: &Config,
) -> (Vec<rules::Thresholds>, Vec<Warning>) {
    let low = &config.low_efficiency;
    if low.rules.is_empty() {
        return (
            vec![low.thresholds_for(&ParcelFacts::default())],
            Vec::new(),
        );
    }
    let mut sets: Vec<rules::Thresholds> = Vec::new();
    type Facts<'a> = (Option<&'a str>, Option<&'a str>, crate::parcel::Status, u32);
    // Each set of facts once: its threshold set and the rules tied on it (which depend on the
    // facts alone); over all parcels, how many each tie decides and the first of them.
    let mut by_facts: HashMap<Facts, (u32, Vec<rules::Tie>)> = HashMap::new();
    let mut ties: HashMap<rules::Tie, (usize, usize)> = HashMap::new();
    for (row, (p, f)) in parcels.iter().zip(figures.iter_mut()).enumerate() {
        let key = (p.industry(), p.land_use(), p.status(), f.park);
        let (set, tied) = by_facts.entry(key).or_insert_with(|| {
            let facts = ParcelFacts {
                industry: key.0,
                land_use: key.1,
                status: key.2,
                park: (key.3 != NO_PARK).then(|| parks.id(key.3 as usize)),
            };
            let t = low.thresholds_for(&facts);
            let set = match sets.iter().position(|s| *s == t) {
                Some(i) => i as u32,
                None => {
                    sets.push(t);
                    (sets.len() - 1) as u32
                }
            };
            (set, low.ties_for(&facts))
        });
        f.rule_set = *set;
        for &tie in tied.iter() {
            ties.entry(tie).or_insert((0, row)).0 += 1;
        }
    }
    let mut ties: Vec<(rules::Tie, (usize, usize))> = ties.into_iter().collect();
    ties.sort_by_key(|(t, _)| (t.applied, t.passed, t.metric));
    let warnings = ties
        .into_iter()
        .map(|(tie, (count, first))| Warning {
            layer: Layer::Parcels,
            index: Warning::NO_RECORD,
            id: None,
            message: format!(
                "[[low_efficiency.rule]] #{} ({:?}) and #{} ({:?}) are as specific as each \
                 other and both set {} for {count} parcels (the first: {}): the later in the \
                 file, #{}, is applied; make one more specific, or give both the same value",
                tie.passed + 1,
                low.rule_name(tie.passed),
                tie.applied + 1,
                low.rule_name(tie.applied),
                tie.metric,
                parcels.ids.get(first),
                tie.applied + 1,
            ),
        })
        .collect();
    (sets, warnings)
}

/// Enterprises joined to each parcel, in enterprise order.
fn tenants_of(joins: &[JoinState], parcels: usize) -> Tenants {
    let mut offsets = vec![0u32; parcels + 1];
    for j in joins {
        if matches!(j.kind, JoinKind::ByKey | JoinKind::ByLocation) {
            offsets[j.parcel as usize + 1] += 1;
        }
    }
    for i in 0..parcels {
        offsets[i + 1] += offsets[i];
    }
    let mut fill = offsets.clone();
    let mut rows = vec![0u32; offsets[parcels] as usize];
    for (e, j) in joins.iter().enumerate() {
        if matches!(j.kind, JoinKind::ByKey | JoinKind::ByLocation) {
            let slot = &mut fill[j.parcel as usize];
            rows[*slot as usize] = e as u32;
            *slot += 1;
        }
    }
    Tenants { offsets, rows }
}

fn figures_of(f: &crate::metrics::Intensities) -> rules::Figures {
    rules::Figures {
        idle: f.idle,
        investment_per_mu: f.investment_per_mu,
        tax_per_mu: f.tax_per_mu,
        output_per_mu: f.output_per_mu,
        plot_ratio: f.plot_ratio,
    }
}

/// The enterprises and parks layers, those given.
type OtherLayers = (Option<Loaded<Enterprises>>, Option<Loaded<Parks>>);

/// A parcel's area in m², how it was found, and whether it warned or failed (the warning or error
/// is built again for the rare rows that have one).
type AreaOutcome = (f64, AreaSource, Outcome);

/// Rows of parcels per claim of [`areas_beside`]'s workers.
const AREA_CHUNK: usize = 4096;

/// Runs `read` on this thread while the parcels' area outcomes are worked out beside it: on
/// one rayon thread while `read` runs, then on every rayon thread for what is left. The
/// outcomes are `None` when `read` failed (the area work stops then). A method that cannot
/// apply to the layer (planar areas of lon/lat) gives outcomes [`Audit::assess`] never uses:
/// it reports the misuse first.
///
/// The reading stays on this thread and the outcomes go into a buffer allocated here, so
/// the tables live in this thread's heap. (With `rayon::join` the reading ran on a pool
/// thread, and peak memory at 1M varied from 419 to 464 MiB with the heap it landed in.)
fn areas_beside<T>(
    parcels: &Loaded<Parcels>,
    config: &Config,
    read: impl FnOnce() -> Result<T>,
) -> (Option<Vec<AreaOutcome>>, Result<T>) {
    let planar_ok = parcels.crs.planar_area_is_meaningful();
    let (table, file) = (&parcels.records, &parcels.file);
    let mut areas: Vec<AreaOutcome> =
        vec![(f64::NAN, AreaSource::Geodesic, Outcome::Failed); table.len()];
    let stop = AtomicBool::new(false);
    let chunks = Mutex::new(areas.chunks_mut(AREA_CHUNK).enumerate());
    let work = || {
        while !stop.load(Ordering::Relaxed) {
            let claimed = chunks.lock().unwrap_or_else(PoisonError::into_inner).next();
            let Some((k, slice)) = claimed else { break };
            for (i, out) in slice.iter_mut().enumerate() {
                *out = area_outcome(table.get(k * AREA_CHUNK + i), config, planar_ok, file);
            }
        }
    };
    let read = rayon::in_place_scope(|scope| {
        // One pool thread claims chunks while this thread reads; the reader's batches go to
        // the other.
        scope.spawn(|_| work());
        let read = {
            // A panic while reading (a bug) stops the area work too, rather than waiting
            // for it before the panic is passed on.
            let _guard = StopOnPanic(&stop);
            read()
        };
        if read.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        // What is left, on every pool thread.
        rayon::broadcast(|_| work());
        read
    });
    let areas = (!stop.load(Ordering::Relaxed)).then_some(areas);
    (areas, read)
}

/// Sets its flag when dropped during a panic.
struct StopOnPanic<'a>(&'a AtomicBool);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

/// Every row's area outcome, in parallel.
fn area_outcomes_of(
    table: &Parcels,
    config: &Config,
    planar_ok: bool,
    file: &std::path::Path,
) -> Vec<AreaOutcome> {
    (0..table.len())
        .into_par_iter()
        .map(|row| area_outcome(table.get(row), config, planar_ok, file))
        .collect()
}

/// A parcel's area outcome, eight bytes and two tags.
fn area_outcome(
    p: ParcelRef<'_>,
    config: &Config,
    planar_ok: bool,
    file: &std::path::Path,
) -> AreaOutcome {
    match parcel_area(p, config, planar_ok, file) {
        Ok((a, s, None)) => (a, s, Outcome::Ok),
        Ok((a, s, Some(_))) => (a, s, Outcome::Warned),
        Err(_) => (f64::NAN, AreaSource::Geodesic, Outcome::Failed),
    }
}

/// A parcel's area by the configured method, and a warning where a recorded area disagrees.
fn parcel_area(
    p: ParcelRef<'_>,
    config: &Config,
    planar_ok: bool,
    file: &std::path::Path,
) -> Result<(f64, AreaSource, Option<Warning>)> {
    let geodesic = || crate::metrics::geodesic_area_of(&p.shape());
    let computed = || match (p.planar_area_m2(), planar_ok) {
        (Some(a), true) => (a, AreaSource::Planar),
        _ => (geodesic(), AreaSource::Geodesic),
    };
    let ctx = || FeatureContext {
        file: std::sync::Arc::new(file.to_path_buf()),
        layer: Layer::Parcels,
        index: p.index(),
        id: Some(p.id().to_string()),
        line: None,
    };
    let tolerance = config.area.recorded_tolerance;
    let (area, source, warning) = match config.area.method {
        AreaMethod::Auto => {
            let (a, s) = computed();
            (a, s, None)
        }
        AreaMethod::Geodesic => (geodesic(), AreaSource::Geodesic, None),
        AreaMethod::Planar => (
            p.planar_area_m2().unwrap_or(f64::NAN),
            AreaSource::Planar,
            None,
        ),
        AreaMethod::Recorded => {
            let property = || config.fields.land_area.clone();
            let recorded = p.recorded_area_m2().ok_or_else(|| Error::MissingProperty {
                ctx: ctx(),
                property: property(),
            })?;
            // The recorded figure, not the geometry, is what is wrong.
            if !recorded.is_finite() || recorded <= 0.0 {
                return Err(Error::InvalidValue {
                    ctx: ctx(),
                    property: property(),
                    expected: "a recorded area > 0 (area method \"recorded\")".into(),
                    found: recorded.to_string(),
                });
            }
            let (c, s) = computed();
            let diff = (recorded - c).abs() / c;
            let warning = (diff > tolerance).then(|| Warning {
                layer: Layer::Parcels,
                index: p.index(),
                id: Some(p.id().to_string()),
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

/// How a parcel's area went.
#[derive(Clone, Copy)]
enum Outcome {
    Ok,
    Warned,
    Failed,
}

/// How an enterprise was joined (eight bytes: one per enterprise).
#[derive(Clone, Copy)]
enum Join {
    ByKey(u32),
    ByLocation(u32),
    Unmatched(Miss),
    /// In several parcels; they are looked up again when reported (rare).
    Ambiguous,
}

/// Why an enterprise was joined to no parcel.
#[derive(Clone, Copy)]
enum Miss {
    /// Its key names a parcel that was rejected.
    RejectedKey,
    /// Its key names no parcel.
    UnknownKey,
    /// It has neither location nor key.
    Nothing,
    /// Its point lies in no parcel.
    NoParcel,
}

impl Miss {
    /// What the enterprise was joined by: its parcel key (`key`), its point, or nothing.
    fn property(self, key: &str) -> Option<&str> {
        match self {
            Miss::RejectedKey | Miss::UnknownKey => Some(key),
            Miss::NoParcel => Some("geometry"),
            Miss::Nothing => None,
        }
    }

    /// Why, in words; `rejected_parcels` counts the parcels rejected, on one of which a point
    /// in no parcel may stand (a rejected parcel is in no index).
    fn explain(self, enterprises: &Enterprises, row: usize, rejected_parcels: usize) -> String {
        let key = enterprises.parcel_key(row).unwrap_or("");
        match self {
            Miss::RejectedKey => format!("its parcel_id {key:?} is a rejected parcel"),
            Miss::UnknownKey => format!("its parcel_id {key:?} is not among the parcels"),
            Miss::Nothing => "no location and no parcel_id".into(),
            Miss::NoParcel => {
                let p = enterprises.location(row).unwrap_or_default();
                let mut why = format!("the point ({:.7}, {:.7}) lies in no parcel", p.x, p.y);
                if rejected_parcels > 0 {
                    why.push_str(&match rejected_parcels {
                        1 => " evaluated; 1 parcel was rejected (rejected.csv), and it may \
                              stand on it"
                            .to_string(),
                        n => format!(
                            " evaluated; {n} parcels were rejected (rejected.csv), and it may \
                             stand on one of them"
                        ),
                    });
                }
                why
            }
        }
    }
}

fn join(
    enterprises: &Enterprises,
    row: usize,
    by_id: &HashMap<&str, u32>,
    index: &ParcelIndex,
    rejected_ids: &HashSet<&str>,
) -> Join {
    if let Some(key) = enterprises.parcel_key(row) {
        return match by_id.get(key) {
            Some(&i) => Join::ByKey(i),
            None if rejected_ids.contains(key) => Join::Unmatched(Miss::RejectedKey),
            None => Join::Unmatched(Miss::UnknownKey),
        };
    }
    let Some(point) = enterprises.location(row) else {
        return Join::Unmatched(Miss::Nothing);
    };
    match index.locate(point) {
        Hit::One(i) => Join::ByLocation(i as u32),
        Hit::None => Join::Unmatched(Miss::NoParcel),
        Hit::Many(_) => Join::Ambiguous,
    }
}

/// Checks that a layer's `read` is its records and its rejected ones, as a reader leaves it: a
/// caller who built the [`Loaded`] by hand could otherwise have the summary's
/// `read = evaluated + rejected` fail with no error.
fn check_ledger<T>(layer: &Loaded<T>, records: usize, which: Layer) -> Result<()> {
    let rejected = layer.rejected.len();
    if layer.read == records + rejected {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "the {which} of {}: read is {} but {records} records and {rejected} rejected were given \
         (read must be records + rejected, so that every record read is accounted for: add \
         rows pushed onto a table that was read to its read)",
        layer.file.display(),
        layer.read
    )))
}

/// Checks tables a caller filled with `push` as the readers check records: figures finite,
/// ≥ 0 and at most [`MAX_FIGURE`](crate::units::MAX_FIGURE), coordinates finite and in WGS84
/// lon/lat range, shapes valid and of some area, ids present and unique. A reader's tables were checked as they were read and are passed over.
///
/// A service that pushed a tax of -50 or NaN, or two enterprises with one id, got per-mu
/// figures of -3.05 and NaN (never below a minimum) and both copies counted.
fn check_pushed(
    parcels: &Loaded<Parcels>,
    enterprises: Option<&Loaded<Enterprises>>,
    parks: Option<&Loaded<Parks>>,
) -> Result<()> {
    let context = read::context;
    if !parcels.records.validated {
        let t = &parcels.records;
        let ctx = |row: usize| {
            context(
                &parcels.file,
                Layer::Parcels,
                t.index[row] as usize,
                t.ids.get(row),
            )
        };
        check_ids(t.len(), |row| t.ids.get(row), &ctx, "parcel_id")?;
        for row in 0..t.len() {
            check_shape(t.shapes.get(row), || ctx(row))?;
            let p = t.get(row);
            let c = p.commitments();
            for (property, v) in [
                ("floor_area", p.floor_area_m2()),
                ("land_area", p.recorded_area_m2()),
                ("contract_investment_per_mu", c.investment_per_mu),
                ("contract_tax_per_mu", c.tax_per_mu),
                ("contract_output_per_mu", c.output_per_mu),
                ("contract_plot_ratio", c.plot_ratio),
            ] {
                check_figure(v, property, || ctx(row))?;
            }
        }
    }
    if let Some(l) = enterprises.filter(|l| !l.records.validated) {
        let t = &l.records;
        let ctx = |row: usize| {
            context(
                &l.file,
                Layer::Enterprises,
                t.index[row] as usize,
                t.id(row),
            )
        };
        check_ids(t.len(), |row| t.id(row), &ctx, "enterprise_id")?;
        for row in 0..t.len() {
            let [tax, investment, output] = t.money(row);
            let optional = |c: &crate::columns::OptColumn| c.get(row);
            for (property, v) in [
                ("tax", Some(tax)),
                ("investment", Some(investment)),
                ("output", Some(output)),
                ("value_added", optional(&t.value_added)),
                ("energy", optional(&t.energy)),
                ("emissions", optional(&t.emissions)),
                ("rd_spend", optional(&t.rd_spend)),
                ("electricity", optional(&t.electricity)),
                ("employees", optional(&t.employees)),
                ("floor_area", optional(&t.floor_area)),
            ] {
                check_figure(v, property, || ctx(row))?;
            }
            // A location is NaN when absent; one half NaN, or infinite, is not a place, nor
            // one past lon/lat.
            if let Some(&c) = t.location.get(row)
                && !(c.x.is_nan() && c.y.is_nan())
            {
                let expected = if !(c.x.is_finite() && c.y.is_finite()) {
                    Some("finite numbers")
                } else if !read::in_lonlat_range(c) {
                    Some(LONLAT_RANGE)
                } else {
                    None
                };
                if let Some(expected) = expected {
                    return Err(Error::CoordinateOutOfRange {
                        ctx: ctx(row),
                        x: c.x,
                        y: c.y,
                        expected,
                        property: "location".into(),
                    });
                }
            }
        }
    }
    if let Some(l) = parks.filter(|l| !l.records.validated) {
        let t = &l.records;
        let ctx = |row: usize| context(&l.file, Layer::Parks, t.index[row] as usize, t.id(row));
        check_ids(t.len(), |row| t.id(row), &ctx, "park_id")?;
        for row in 0..t.len() {
            check_shape(t.shapes.get(row), || ctx(row))?;
        }
    }
    Ok(())
}

fn check_ids<'a>(
    len: usize,
    id: impl Fn(usize) -> &'a str,
    ctx: &dyn Fn(usize) -> FeatureContext,
    property: &str,
) -> Result<()> {
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(len);
    for row in 0..len {
        let key = id(row);
        if key.trim().is_empty() {
            return Err(Error::MissingProperty {
                ctx: ctx(row),
                property: property.to_string(),
            });
        }
        if let Some(&earlier) = first.get(key) {
            return Err(Error::DuplicateId {
                ctx: ctx(row),
                property: property.to_string(),
                first_index: ctx(earlier).index,
            });
        }
        first.insert(key, row);
    }
    Ok(())
}

fn check_figure(v: Option<f64>, property: &str, ctx: impl Fn() -> FeatureContext) -> Result<()> {
    match v {
        Some(v) => {
            read::feature::check_figure(v, property, "a finite number ≥ 0", &v.to_string(), &ctx())
                .map(drop)
        }
        None => Ok(()),
    }
}

/// A pushed shape as the readers check a record's: finite, in WGS84 lon/lat range (the tables
/// hold WGS84), valid (geo's `Validation`) and of some area.
fn check_shape(shape: crate::shapes::ShapeRef<'_>, ctx: impl Fn() -> FeatureContext) -> Result<()> {
    let out = |c: geo::Coord<f64>, expected| Error::CoordinateOutOfRange {
        ctx: ctx(),
        x: c.x,
        y: c.y,
        expected,
        property: "geometry".into(),
    };
    if let Some(c) = shape.find_coord(|c| !(c.x.is_finite() && c.y.is_finite())) {
        return Err(out(c, "finite numbers"));
    }
    if let Some(c) = shape.find_coord(|c| !read::in_lonlat_range(c)) {
        return Err(out(c, LONLAT_RANGE));
    }
    if let Some((a, b)) = read::antimeridian_edge(&shape) {
        return Err(Error::CrossesAntimeridian {
            ctx: ctx(),
            from: [a.x, a.y],
            to: [b.x, b.y],
        });
    }
    read::check_shape(&shape.to_multipolygon(), &ctx()).map(drop)
}

/// What a table's coordinates must be: WGS84, as the readers leave them.
const LONLAT_RANGE: &str = "WGS84 lon/lat (|lon| ≤ 180, |lat| ≤ 90)";

/// Parcels whose tenants' figures leave a firm out: one whose record was rejected but that
/// said where it stands (a point in the parcel, or its id), or one whose point lies in this
/// parcel and another. Sorted by parcel row, then the firm's feature index, each with who,
/// in words.
fn unsure_parcels(
    enterprises: &Enterprises,
    rejected: &[Error],
    ambiguous: &HashMap<u32, Vec<u32>>,
    by_id: &HashMap<&str, u32>,
    index: &ParcelIndex,
) -> Vec<(u32, usize, String)> {
    let mut unsure: Vec<(u32, usize, String)> = Vec::new();
    if !enterprises.rejected_places.is_empty() {
        let ids: HashMap<usize, &str> = rejected
            .iter()
            .filter_map(|e| {
                let ctx = e.feature()?;
                Some((ctx.index, ctx.id.as_deref()?))
            })
            .collect();
        for (feature, place) in &enterprises.rejected_places {
            let rows: Vec<u32> = match place {
                Place::Key(key) => by_id.get(key.as_str()).copied().into_iter().collect(),
                Place::Point(c) => match index.locate(*c) {
                    Hit::None => Vec::new(),
                    Hit::One(row) => vec![row as u32],
                    Hit::Many(rows) => rows.into_iter().map(|r| r as u32).collect(),
                },
            };
            let who = match ids.get(feature) {
                Some(id) => format!("enterprise {id} (feature {feature}) was rejected"),
                None => format!("the enterprise of feature {feature} was rejected"),
            };
            unsure.extend(rows.into_iter().map(|row| (row, *feature, who.clone())));
        }
    }
    for (&row, parcels) in ambiguous {
        let (id, feature) = (
            enterprises.id(row as usize),
            enterprises.index[row as usize],
        );
        let who = format!(
            "enterprise {id} (feature {feature}) lies in {} parcels (in their overlap or on their \
             shared boundary), this one among them (resolve the overlap or move the point, or \
             give it a parcel_id)",
            parcels.len()
        );
        unsure.extend(parcels.iter().map(|&p| (p, feature as usize, who.clone())));
    }
    unsure.sort();
    // A firm placed twice on one parcel (a row of the wrong length read two ways).
    unsure.dedup();
    unsure
}

/// The reasons of a parcel whose tenants' figures leave a firm out, less those that rest on
/// them: tax, investment and output (also against contracts), idle, and the plot ratio when
/// it comes from the tenants' floor areas.
fn not_on_tenants(reasons: rules::Reasons, plot_ratio_from_tenants: bool) -> rules::Reasons {
    let mut kept = rules::Reasons::default();
    for r in reasons.iter() {
        let on_tenants = match r {
            Reason::Investment
            | Reason::Tax
            | Reason::Output
            | Reason::Idle
            | Reason::ContractInvestment
            | Reason::ContractTax
            | Reason::ContractOutput => true,
            Reason::PlotRatio | Reason::ContractPlotRatio => plot_ratio_from_tenants,
            Reason::RepeatedClassD => false,
        };
        if !on_tenants {
            kept.push(r);
        }
    }
    kept
}

/// A warning per parcel of [`unsure_parcels`], naming the firms (the first few).
fn unsure_warnings(unsure: &[(u32, usize, String)], parcels: &Parcels) -> Vec<Warning> {
    const NAMED: usize = 3;
    unsure
        .chunk_by(|a, b| a.0 == b.0)
        .map(|group| {
            let row = group[0].0 as usize;
            let mut who: Vec<&str> = group.iter().take(NAMED).map(|u| u.2.as_str()).collect();
            let more = group.len().saturating_sub(NAMED);
            let more = if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            };
            who.dedup();
            Warning {
                layer: Layer::Parcels,
                index: parcels.index[row] as usize,
                id: Some(parcels.ids.get(row).to_string()),
                message: format!(
                    "{}{more}: the tenants' tax, investment and output leave {}, so this \
                     parcel is not judged on them (nor called idle); correct the record and \
                     audit again",
                    who.join("; "),
                    if group.len() > 1 {
                        "them out"
                    } else {
                        "it out"
                    }
                ),
            }
        })
        .collect()
}

/// The park containing a parcel's interior point (geo's `InteriorPoint`, computed on the arena
/// by [`ShapeRef::interior_point`](crate::shapes::ShapeRef::interior_point)): its row, and whether
/// the point lies in more than one park (the first is taken).
fn park_of(p: ParcelRef<'_>, index: &ParcelIndex) -> (u32, bool) {
    if index.is_empty() {
        return (NO_PARK, false);
    }
    let Some(point) = p.shape().interior_point() else {
        return (NO_PARK, false);
    };
    match index.locate(point) {
        Hit::None => (NO_PARK, false),
        Hit::One(k) => (k as u32, false),
        Hit::Many(v) => (v[0] as u32, true),
    }
}

/// A warning for each rule naming a park no park read has: such a rule matches no parcel, and
/// only the audit, which reads the parks, can tell (a typo such as `K9` for `K09`, say).
fn unknown_park_rules(config: &Config, parks: &Parks, parks_given: bool) -> Vec<Warning> {
    let low = &config.low_efficiency;
    let known: HashSet<&str> = (0..parks.len()).map(|row| parks.id(row)).collect();
    low.rules
        .iter()
        .enumerate()
        .filter_map(|(i, rule)| {
            let park = rule.park.as_deref()?;
            if known.contains(park) {
                return None;
            }
            let why = if parks_given {
                "no park read from the parks file has that id"
            } else {
                "no parks file was given"
            };
            Some(Warning {
                layer: Layer::Parks,
                index: Warning::NO_RECORD,
                id: None,
                message: format!(
                    "{} names park {park:?}, but {why}: the rule matches no parcel",
                    low.rule_label(i)
                ),
            })
        })
        .collect()
}

/// The warning for a parcel whose interior point lies in several parks.
fn several_parks(p: ParcelRef<'_>, index: &ParcelIndex, parks: &Parks) -> Option<Warning> {
    let point = p.shape().interior_point()?;
    let Hit::Many(v) = index.locate(point) else {
        return None;
    };
    let ids: Vec<&str> = v.iter().map(|&k| parks.id(k)).collect();
    Some(Warning {
        layer: Layer::Parcels,
        index: p.index(),
        id: Some(p.id().to_string()),
        message: format!(
            "the parcel's interior point lies in {} parks ({}); it is counted in {}",
            ids.len(),
            ids.join(", "),
            ids[0]
        ),
    })
}
