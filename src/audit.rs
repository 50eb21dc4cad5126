//! The pipeline: read the layers, join enterprises to parcels, compute per-mu figures,
//! classify parcels, aggregate parks. [`Audit::run`] returns an [`AuditReport`] of typed,
//! serde-serialisable results; [`crate::write`] turns it into the output files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::adjust::AdjustmentTable;
use crate::areas::{self, AreaOutcome, Measured, areas_beside};
use crate::classify;
use crate::config::Config;
use crate::crs::Crs;
use crate::error::{Error, Layer, Notes, Rejection, Result, Suspicion, Warning};
use crate::grade;
use crate::history;
use crate::index::ParcelIndex;
use crate::join::{self, Joined};
use crate::outcome::{Figures, NO_PARK, RuleSet, Tally};
use crate::parcel::{Class, Enterprises, Parcels, Parks};
use crate::parks::{self, ParkResult};
use crate::pushed;
use crate::read::previous::PreviousAudit;
use crate::read::{self, Loaded, ReadOptions, Source};
use crate::results::{
    AuditReport, Counts, EnterpriseCounts, LayerInfo, Overlap, ParcelFacts as SummaryFacts,
    StageTimes, Summary,
};
use crate::source_text::InputTexts;
use crate::suspect::{self, Extents};
use crate::units::per_mu;

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
    crs: Option<Crs>,
    previous: Option<PreviousAudit>,
    /// Audits before `previous`, oldest first.
    earlier: Vec<PreviousAudit>,
    progress: Option<std::sync::Arc<Progress>>,
}

impl Audit {
    /// An audit with this configuration, lenient, CRS as the files declare.
    pub fn new(config: Config) -> Self {
        Audit {
            config,
            strict: false,
            crs: None,
            previous: None,
            earlier: Vec::new(),
            progress: None,
        }
    }

    /// Stop at the first bad record instead of rejecting it and going on.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
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

    /// Several earlier audits, in any order: they are ordered by the year each one's
    /// `summary.json` gives (in the order given when one does not say), the last is the
    /// [previous](Audit::previous) audit, and all of them give each parcel, firm and park its
    /// [`Trend`](crate::Trend): growth of the per-mu figures since the last audit and
    /// three-year averages (docs/year-on-year.md).
    ///
    /// # Errors
    /// [`Error::Csv`] naming `summary.json` when two of them audited the same year.
    pub fn previous_audits(mut self, audits: Vec<PreviousAudit>) -> Result<Self> {
        let mut audits = crate::years::order_audits(audits).map_err(|message| Error::Csv {
            path: PathBuf::from("summary.json"),
            message,
        })?;
        self.previous = audits.pop();
        self.earlier = audits;
        Ok(self)
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
    fn options(&self, layer: Layer, source: &Source, leave_text: bool) -> Result<ReadOptions> {
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
            leave_text,
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
        Ok(self.run_with(inputs, false)?.0)
    }

    /// [`Audit::run`], leaving parcels' `properties` and enterprises' names read from GeoJSON
    /// files in those files instead of holding them as text (a million parcels' properties
    /// are hundreds of megabytes). Returns the report and the files to read them back from:
    /// give both to [`write_all_with_text`](crate::write::write_all_with_text). The report
    /// itself holds no file: its accessors and serde form give only the texts it holds.
    ///
    /// # Errors
    /// As [`Audit::run`].
    pub fn run_leaving_text(&self, inputs: &Inputs) -> Result<(AuditReport, InputTexts)> {
        self.run_with(inputs, true)
    }

    /// Reads the inputs, leaving text in them or not, and runs the stages.
    fn run_with(&self, inputs: &Inputs, leave: bool) -> Result<(AuditReport, InputTexts)> {
        self.config.validate()?;
        self.check_previous()?;
        let mut times = StageTimes::default();
        let t = Instant::now();
        self.progress(Stage::Read, &inputs.parcels.name().display().to_string());
        let options = self.options(Layer::Parcels, &inputs.parcels, leave)?;
        let mut parcels = read::read_parcels(&inputs.parcels, &self.config, &options)?;
        // The parcels' areas are worked out while the other layers are read: the readers
        // leave a core idle part of the time (their sink is serial). A reading error stops
        // the area work.
        let (areas, others) =
            areas_beside(&parcels, &self.config, || self.read_others(inputs, leave));
        let (mut enterprises, parks) = others?;
        times.read = t.elapsed();
        let texts = InputTexts {
            parcels: parcels.text.take(),
            enterprises: enterprises.as_mut().and_then(|l| l.text.take()),
        };
        let mut report = self.assess_with(parcels, enterprises, parks, areas, &mut times)?;
        report.times = times;
        report.input_files.extend(inputs.paths());
        Ok((report, texts))
    }

    /// Reads the enterprises and parks layers, those given.
    fn read_others(&self, inputs: &Inputs, leave: bool) -> Result<OtherLayers> {
        let enterprises = match &inputs.enterprises {
            Some(s) => {
                self.progress(Stage::Read, &s.name().display().to_string());
                Some(read::read_enterprises(
                    s,
                    &self.config,
                    &self.options(Layer::Enterprises, s, leave)?,
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
                    &self.options(Layer::Parks, s, leave)?,
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

    /// [`Audit::assess`], with the parcels' area outcomes if they were worked out already: the
    /// stages in order, each timed and announced.
    fn assess_with(
        &self,
        mut parcels: Loaded<Parcels>,
        enterprises: Option<Loaded<Enterprises>>,
        mut parks: Option<Loaded<Parks>>,
        areas: Option<Vec<AreaOutcome>>,
        times: &mut StageTimes,
    ) -> Result<AuditReport> {
        let config = &self.config;
        pushed::prepare(&mut parcels, enterprises.as_ref(), &mut parks)?;
        let mut enterprises = enterprises;
        let (mut found, extents) =
            suspect::of_readers(&mut parcels, enterprises.as_mut(), parks.as_mut());
        let layers = LayerInfo {
            parcels: parcels.crs_info(),
            enterprises: enterprises.as_ref().map(Loaded::crs_info),
            parks: parks.as_ref().map(Loaded::crs_info),
        };
        let mut notes = Notes::default();
        let t = Instant::now();
        self.progress(Stage::Evaluate, "areas");
        let mut measured = areas::measure(parcels, areas, config, self.strict, &mut notes)?;
        times.evaluate += t.elapsed();

        let t = Instant::now();
        self.progress(Stage::Index, "parcels");
        let (park_table, park_read, park_rejected) = park_layer(parks, &mut notes);
        // Warnings about no one record: written after the per-record ones.
        let mut layer_notes =
            parks::unknown_park_rules(config, &park_table, layers.parks.is_some());
        let park_index = ParcelIndex::new(&park_table.shapes);
        let parcels = &measured.table;
        let (parcel_index, several) =
            parks::place_and_index(parcels, &mut measured.figures, &park_index);
        times.index = t.elapsed();

        found.extend(
            (enterprises.as_ref()).and_then(|l| suspect::offset_points(l, parcels, &parcel_index)),
        );
        let t = Instant::now();
        self.progress(Stage::Join, "enterprises → parcels");
        let key = &config.fields.enterprises.parcel_id;
        let (joined, overlaps) =
            join::join_enterprises(enterprises, parcels, &parcel_index, key, &mut notes);
        drop(parcel_index);
        times.join = t.elapsed();

        let t = Instant::now();
        self.progress(Stage::Evaluate, "parcels");
        let figures = &mut measured.figures;
        notes.warnings.extend(
            several
                .into_iter()
                .filter_map(|row| parks::several_parks(parcels.get(row), &park_index, &park_table)),
        );
        drop(park_index);
        let listed = negative_listed(config, parcels, &joined, &mut notes)?;
        let (rule_sets, tallies) = classify::classify_parcels(
            parcels,
            figures,
            &park_table,
            &joined,
            config,
            &listed,
            &mut notes.warnings,
        );
        let graded = match &config.evaluation {
            Some(evaluation) => {
                let on = (&joined, &park_table, &mut notes);
                self.grade(evaluation, on, figures, &mut layer_notes)?
            }
            None => Graded::default(),
        };
        let (matched, run_notes) = self.compare_with_previous(parcels, figures)?;
        let max_ratio = config.park.max_low_efficiency_ratio;
        let footprint = |row| classify::footprint_m2(parcels, &joined, row, figures[row].area_m2);
        let (park_results, zone) = parks::aggregate(
            figures,
            &tallies,
            parcels,
            &park_table,
            max_ratio,
            &footprint,
        );
        times.evaluate += t.elapsed();

        (notes.rejected).extend(park_rejected.iter().map(Rejection::from_error));
        Ok(self.report(Stages {
            measured,
            joined,
            park_table,
            park_read,
            park_results,
            zone,
            rule_sets,
            tallies,
            graded,
            overlaps,
            notes: notes.finish(layer_notes, run_notes),
            layers,
            matched,
            extents,
            found,
        }))
    }

    /// The parcels matched in the previous audit (0 without one) and the run's notes about
    /// it: the first year of a tiered rule, parcels gone or new.
    fn compare_with_previous(
        &self,
        parcels: &Parcels,
        figures: &mut [Figures],
    ) -> Result<(usize, Vec<Warning>)> {
        let mut run_notes: Vec<Warning> = self.first_year_note().into_iter().collect();
        let matched = match &self.previous {
            Some(previous) => {
                let (matched, w) = history::compare_parcels(previous, parcels, figures)?;
                run_notes.extend(w);
                matched
            }
            None => 0,
        };
        Ok((matched, run_notes))
    }

    /// The report of what the stages left.
    fn report(&self, s: Stages) -> AuditReport {
        let (rejected, warnings) = s.notes;
        let parcels = &s.measured.table;
        let overlaps: Vec<Overlap> = (s.overlaps.into_iter())
            .map(|o| Overlap {
                a: parcels.ids.get(o.a).to_string(),
                b: parcels.ids.get(o.b).to_string(),
                area_m2: o.area_m2,
                stack_size: o.stack,
            })
            .collect();
        let counts = Ledger {
            parcels: s.measured.read,
            enterprises: &s.joined,
            parks: s.park_read,
            rejected: &rejected,
        };
        let mut summary = self.summary(
            &s.measured,
            &s.park_results,
            counts,
            s.layers,
            &overlaps,
            &warnings,
            &s.graded,
            s.matched,
        );
        summary.zone = crate::results::Zone {
            rollup: s.zone,
            not_computed: crate::rollup::NOT_COMPUTED.to_vec(),
            trend: None,
        };
        summary.suspicions = suspect::suspicions(
            &summary,
            &rejected,
            &self.config.checks,
            &s.extents,
            s.found,
        );
        let fields = &self.config.fields;
        let mut report = AuditReport {
            summary,
            parks: s.park_results,
            rejected,
            warnings,
            overlaps,
            times: StageTimes::default(),
            parcel_table: s.measured.table,
            figures: s.measured.figures,
            tallies: s.tallies,
            tenants: s.joined.tenants,
            rule_sets: s.rule_sets,
            park_table: s.park_table,
            enterprise_table: s.joined.table,
            joins: s.joined.joins,
            ambiguous: s.joined.ambiguous,
            land: s.graded.land,
            grades: s.graded.grades,
            histories: s.graded.histories,
            input_files: (self.earlier.iter().chain(&self.previous))
                .flat_map(|p| p.files.iter().cloned())
                .collect(),
            read_fields: [fields.parcel_id.clone(), fields.floor_area.clone()],
            parcel_order: Default::default(),
            enterprise_order: Default::default(),
            parcel_trends: Vec::new(),
            enterprise_trends: Vec::new(),
        };
        self.trends(&mut report);
        report
    }

    /// Each parcel's, firm's and park's [`Trend`](crate::Trend) against the earlier audits,
    /// when a previous audit was given.
    fn trends(&self, report: &mut AuditReport) {
        let Some(last) = &self.previous else {
            return;
        };
        let earlier: Vec<&PreviousAudit> = self.earlier.iter().chain([last]).collect();
        let three = crate::years::three_running(&earlier, report.summary.year);
        let trend = |t, id: &str, now| crate::years::trend(&earlier, three, t, id, now);
        use crate::years::Table;
        report.parcel_trends = (0..report.parcel_count())
            .map(|row| {
                let p = report.parcel(row);
                let f = p.intensities();
                let now = (!p.tenants_incomplete()).then_some((f.tax_per_mu, f.output_per_mu));
                trend(
                    Table::Parcels,
                    p.parcel_id(),
                    [now.map(|n| n.0), now.map(|n| n.1)],
                )
            })
            .collect();
        report.enterprise_trends = (0..report.enterprise_count())
            .map(|row| {
                let e = report.enterprise(row);
                let land_m2 = e.land_m2().filter(|&l| l > 0.0);
                let [tax, _, output] = report.enterprise_table.money(row);
                let now = [
                    land_m2.map(|l| per_mu(tax, l)),
                    land_m2.map(|l| per_mu(output, l)),
                ];
                trend(Table::Enterprises, e.id(), now)
            })
            .collect();
        for k in &mut report.parks {
            let now = [k.rollup.tax_per_mu, k.rollup.output_per_mu];
            k.trend = Some(trend(Table::Parks, &k.park_id, now));
        }
        report.summary.parks.clone_from(&report.parks);
        let zone = &report.summary.zone.rollup;
        let now = [zone.tax_per_mu, zone.output_per_mu];
        report.summary.zone.trend = Some(trend(Table::Zone, "", now));
    }

    /// The evaluation with its `{ previous_mean = FACTOR }` benchmarks resolved from the
    /// previous audit's means, when it has any (`None`: it has none, use it as it is).
    ///
    /// # Errors
    /// [`Error::Config`] when there is no previous audit, or it has no mean for one of them.
    fn previous_means(
        &self,
        evaluation: &grade::EvaluationConfig,
    ) -> Result<Option<grade::EvaluationConfig>> {
        if !evaluation.uses_previous_means() {
            return Ok(None);
        }
        let means = self.previous.as_ref().map(|p| &p.per_mu.indicator_means);
        let mean = |g: grade::Group, i: grade::Indicator| {
            let key = (g.as_str().to_string(), i.as_str().to_string());
            means.and_then(|m| m.get(&key)).copied()
        };
        let resolved = evaluation.with_previous_means(&mean);
        resolved.map(Some).map_err(|message| Error::Config {
            path: "<config>".into(),
            message,
        })
    }

    /// The grading stage, on the joined enterprises, the parks and the notes
    /// ([`GradeInputs`]): land shares and grades, class histories, each parcel's class and the
    /// D-years rule; notes about the evaluation as a whole go to `layer_notes`.
    fn grade(
        &self,
        evaluation: &grade::EvaluationConfig,
        (joined, parks, notes): GradeInputs<'_>,
        figures: &mut [Figures],
        layer_notes: &mut Vec<Warning>,
    ) -> Result<Graded> {
        self.progress(Stage::Evaluate, "enterprises");
        let resolved = self.previous_means(evaluation)?;
        let evaluation = resolved.as_ref().unwrap_or(evaluation);
        let table = adjustments(evaluation, &joined.table, notes)?;
        let park_id = |row: u32| (row != NO_PARK).then(|| parks.id(row as usize).to_string());
        let (land, grades) = grade::grade_enterprises(
            evaluation,
            &joined.tenants,
            &joined.table,
            figures,
            table.as_ref(),
            &park_id,
        )?;
        let previous = self.previous.as_ref();
        let histories = history::class_histories(previous, &joined.table, &grades);
        let years = evaluation.d_years_low_efficiency as usize;
        classify::classes_and_repeated_d(
            figures,
            &joined.tenants,
            &land,
            &grades,
            &histories,
            years,
        );
        let grades: Vec<Option<grade::Grade>> = grades.into_iter().map(Some).collect();
        if let Some(previous) = previous {
            layer_notes.extend(history::class_overlap_with(
                previous,
                &joined.table,
                &grades,
            )?);
        }
        let g: Vec<&grade::Grade> = grades.iter().flatten().collect();
        layer_notes.extend(
            grade::absent_indicators(&g, evaluation)
                .into_iter()
                .map(|message| Warning {
                    layer: Layer::Enterprises,
                    index: Warning::NO_RECORD,
                    id: None,
                    message,
                }),
        );
        Ok(Graded {
            land,
            grades,
            histories,
        })
    }

    /// A first year: the D-years rule waits, which the run should say rather than leave unseen.
    fn first_year_note(&self) -> Option<Warning> {
        let years = self.config.evaluation.as_ref()?.d_years_low_efficiency;
        (years >= 2 && self.previous.is_none()).then(|| Warning {
            layer: Layer::Enterprises,
            index: Warning::NO_RECORD,
            id: None,
            message: format!(
                "[evaluation] d_years_low_efficiency = {years} but no previous audit was given \
                 (--previous): no parcel is low for a tenant graded D {years} years running this \
                 time"
            ),
        })
    }

    /// The figures of `summary.json`.
    #[allow(clippy::too_many_arguments)]
    fn summary(
        &self,
        measured: &Measured,
        parks: &[ParkResult],
        counts: Ledger<'_>,
        layers: LayerInfo,
        overlaps: &[Overlap],
        warnings: &[Warning],
        graded: &Graded,
        matched: usize,
    ) -> Summary {
        let figures = &measured.figures;
        let facts = figures.iter().map(|f| SummaryFacts {
            area_m2: f.area_m2,
            reasons: f.reasons,
            idle: f.idle,
            in_park: f.park != NO_PARK,
            area_method: f.area_source,
            unjudged: f.unjudged(),
        });
        let count = |layer: Layer| {
            (counts.rejected.iter())
                .filter(|r| r.layer == layer && !r.is_join_miss())
                .count()
        };
        let joined = counts.enterprises;
        let mut summary = Summary::new(
            facts,
            parks,
            Counts {
                read: counts.parcels,
                evaluated: figures.len(),
                rejected: count(Layer::Parcels),
            },
            EnterpriseCounts {
                read: joined.read,
                joined: joined.joined,
                unmatched: joined.unmatched,
                ambiguous: joined.ambiguous_count,
                rejected: count(Layer::Enterprises),
            },
            Counts {
                read: counts.parks,
                evaluated: parks.len(),
                rejected: count(Layer::Parks),
            },
            &self.config,
            layers,
            overlaps.len(),
            warnings.len(),
        );
        if let Some(evaluation) = &self.config.evaluation {
            let g: Vec<&grade::Grade> = graded.grades.iter().flatten().collect();
            summary.classes = Some(grade::class_counts(&g));
            summary.quotas = grade::quotas(&g, evaluation);
        }
        if let Some(previous) = &self.previous {
            summary.previous = Some(history::previous_info(previous, matched));
            summary.changes = Some(history::changes(previous, &measured.table, figures));
        }
        summary
    }
}

/// The grading stage's inputs besides the figures: the joined enterprises, the parks (for
/// `group_by = "park"`), and the notes (for the adjustments table's rejections and warnings).
type GradeInputs<'a> = (&'a Joined, &'a Parks, &'a mut Notes);

/// The adjustments table named by `[evaluation] adjustments`, if any.
///
/// Reads `[evaluation] adjustments` when it names a table: its rows that cannot be read go to
/// `notes` as rejections of the `adjustments` layer, and each firm id no enterprise has is a
/// warning naming its line (its items are not applied).
///
/// # Errors
/// As [`read::adjust::read_adjustments`].
fn adjustments(
    evaluation: &grade::EvaluationConfig,
    enterprises: &Enterprises,
    notes: &mut Notes,
) -> Result<Option<AdjustmentTable>> {
    let Some(path) = &evaluation.adjustments else {
        return Ok(None);
    };
    let read = read::adjust::read_adjustments(path)?;
    notes.rejected.extend(read.rejected);
    let known: std::collections::HashSet<&str> = (0..enterprises.len())
        .map(|row| enterprises.id(row))
        .collect();
    let mut unknown: Vec<(&String, usize)> = (read.table.firms.iter())
        .filter(|(id, _)| !known.contains(id.as_str()))
        .map(|(id, firm)| (id, firm.first_line()))
        .collect();
    unknown.sort_by_key(|&(_, line)| line);
    notes
        .warnings
        .extend(unknown.into_iter().map(|(id, line)| Warning {
            layer: Layer::Adjustments,
            index: Warning::NO_RECORD,
            id: Some(id.clone()),
            message: format!(
                "{} line {line}: enterprise {id:?} is in no enterprises layer: its rows are not \
             applied",
                path.display()
            ),
        }));
    if read.gb18030 {
        notes.warnings.push(gb18030_note(Layer::Adjustments, path));
    }
    Ok(Some(read.table))
}

/// The negative-list flags named by `[low_efficiency] negative_list`, by parcel row: each
/// parcel's own, and its tenants'. Rows that cannot be read go to `notes` as rejections of the
/// `negative_list` layer; an id no parcel or firm has is a warning naming its line.
///
/// # Errors
/// The parks layer's records, count read and rejections (none without a layer); its warnings
/// go to `notes`.
fn park_layer(parks: Option<Loaded<Parks>>, notes: &mut Notes) -> (Parks, usize, Vec<Error>) {
    match parks {
        Some(l) => {
            notes.warnings.extend(l.warnings);
            (l.records, l.read, l.rejected)
        }
        None => (Parks::default(), 0, Vec::new()),
    }
}

/// As [`read::negative::read_negative_list`].
fn negative_listed(
    config: &Config,
    parcels: &Parcels,
    joined: &Joined,
    notes: &mut Notes,
) -> Result<classify::Listed> {
    use read::negative::Listed as Target;
    let mut listed = classify::Listed::new();
    let Some(path) = &config.low_efficiency.negative_list else {
        return Ok(listed);
    };
    let read = read::negative::read_negative_list(path)?;
    notes.rejected.extend(read.rejected);
    let parcel_rows: HashMap<&str, u32> = (0..parcels.len())
        .map(|row| (parcels.ids.get(row), row as u32))
        .collect();
    let firm_rows: HashMap<&str, u32> = (0..joined.table.len())
        .map(|row| (joined.table.id(row), row as u32))
        .collect();
    // The parcels of each firm the table names.
    let mut of_firm: HashMap<u32, Vec<u32>> = HashMap::new();
    for row in &read.rows {
        if let Target::Enterprise(id) = &row.target
            && let Some(&e) = firm_rows.get(id.as_str())
        {
            of_firm.entry(e).or_default();
        }
    }
    for p in 0..parcels.len() {
        for e in joined.tenants.of(p) {
            if let Some(list) = of_firm.get_mut(e) {
                list.push(p as u32);
            }
        }
    }
    for row in &read.rows {
        let (rows, what, id) = match &row.target {
            Target::Parcel(id) => (parcel_rows.get(id.as_str()).map(|&p| vec![p]), "parcel", id),
            Target::Enterprise(id) => (
                firm_rows.get(id.as_str()).map(|e| of_firm[e].clone()),
                "enterprise",
                id,
            ),
        };
        let why = match &rows {
            None => format!("is in no {what}s layer"),
            Some(rows) if rows.is_empty() => "is a tenant of no parcel".to_string(),
            Some(_) => String::new(),
        };
        let Some(rows) = rows.filter(|r| !r.is_empty()) else {
            notes.warnings.push(Warning {
                layer: Layer::NegativeList,
                index: Warning::NO_RECORD,
                id: Some(id.clone()),
                message: format!(
                    "{} line {}: {what} {id:?} {why}: its flag is not applied",
                    path.display(),
                    row.line
                ),
            });
            continue;
        };
        for p in rows {
            listed.entry(p).or_default()[row.flag as usize] = true;
        }
    }
    if read.gb18030 {
        notes.warnings.push(gb18030_note(Layer::NegativeList, path));
    }
    Ok(listed)
}

/// What the grading stage leaves, row-aligned with the enterprises (empty without
/// `[evaluation]`): land in m², grades, class histories.
#[derive(Default)]
struct Graded {
    land: Vec<Option<f64>>,
    grades: Vec<Option<grade::Grade>>,
    histories: Vec<Vec<Option<Class>>>,
}

/// What the stages of one audit left, for [`Audit::report`].
struct Stages {
    measured: Measured,
    joined: Joined,
    park_table: Parks,
    park_read: usize,
    park_results: Vec<ParkResult>,
    /// The zone's roll-up.
    zone: crate::rollup::Rollup,
    rule_sets: Vec<RuleSet>,
    tallies: Vec<Tally>,
    graded: Graded,
    /// Overlapping parcels' rows and the overlap's area, m².
    overlaps: Vec<crate::index::Overlapping>,
    /// Rejections and warnings, in the order the outputs list them.
    notes: (Vec<Rejection>, Vec<Warning>),
    layers: LayerInfo,
    /// Parcels the previous audit covers.
    matched: usize,
    /// Each layer's bounding box, for [`suspect::suspicions`].
    extents: Extents,
    /// What the readers found wrong with a layer as a whole.
    found: Vec<Suspicion>,
}

/// The records each layer had, for the summary's counts.
struct Ledger<'a> {
    parcels: usize,
    enterprises: &'a Joined,
    parks: usize,
    rejected: &'a [Rejection],
}

/// The enterprises and parks layers, those given.
type OtherLayers = (Option<Loaded<Enterprises>>, Option<Loaded<Parks>>);

/// The note that a table (`path`, of `layer`) was read as GB18030 (GBK), not being UTF-8.
fn gb18030_note(layer: Layer, path: &Path) -> Warning {
    Warning {
        layer,
        index: Warning::NO_RECORD,
        id: None,
        message: format!("{}: read as GB18030 (GBK), not being UTF-8", path.display()),
    }
}
