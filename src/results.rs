//! What an audit found: [`AuditReport`], with per-parcel and per-enterprise results as views
//! over compact columns (a million parcels take a few hundred bytes each), and the figures of
//! `summary.json`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use geo::MultiPolygon;
use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::config::Config;
use crate::crs::CrsInfo;
use crate::error::{Rejection, Suspicion, Warning};
use crate::grade;
use crate::metrics::{Intensities, ParcelSums, intensities};
use crate::outcome::Change;
use crate::outcome::{
    AppliedThresholds, Figures, JoinKind, JoinState, NO_PARK, NO_TENANT, RuleSet, Tally, Tenants,
};
use crate::parcel::Class;
use crate::parcel::{AreaSource, Enterprise, Enterprises, ParcelRef, Parcels, Parks, Status};
use crate::parks::ParkResult;
use crate::rollup::{NotComputed, Rollup};
use crate::rules::Reasons;
use crate::shapes::{PolygonRef, ShapeRef};
use crate::units::m2_to_mu;
use crate::years::Trend;

/// Everything an audit found.
///
/// Per-parcel and per-enterprise results are views ([`ParcelResult`], [`EnterpriseResult`])
/// over compact columns; serialising the report writes them out in full. Read it through its
/// methods ([`summary`](Self::summary), [`parcels`](Self::parcels),
/// [`enterprises`](Self::enterprises), [`parks`](Self::parks), [`rejected`](Self::rejected),
/// ...): the public fields are there for code written before them, and are to become
/// private.
#[derive(Debug)]
pub struct AuditReport {
    /// The figures of `summary.json`.
    pub summary: Summary,
    /// Every park, in file order.
    pub parks: Vec<ParkResult>,
    /// Every record not evaluated, by layer and index.
    pub rejected: Vec<Rejection>,
    /// Warnings, by layer and index.
    pub warnings: Vec<Warning>,
    /// Overlapping parcel pairs.
    pub overlaps: Vec<Overlap>,
    /// Wall time per stage (not serialised).
    pub times: StageTimes,
    pub(crate) parcel_table: Parcels,
    pub(crate) figures: Vec<Figures>,
    /// Each parcel's tenants' sums, row-aligned with `figures`.
    pub(crate) tallies: Vec<Tally>,
    pub(crate) tenants: Tenants,
    pub(crate) rule_sets: Vec<RuleSet>,
    pub(crate) park_table: Parks,
    pub(crate) enterprise_table: Enterprises,
    pub(crate) joins: Vec<JoinState>,
    pub(crate) ambiguous: HashMap<u32, Vec<u32>>,
    pub(crate) land: Vec<Option<f64>>,
    pub(crate) grades: Vec<Option<grade::Grade>>,
    pub(crate) histories: Vec<Vec<Option<Class>>>,
    /// The files the audit read (in-memory sources are not files), which its outputs must
    /// not replace.
    pub(crate) input_files: Vec<PathBuf>,
    /// The parcels' input properties the audit read as its own `parcel_id` and `floor_area`
    /// (`[fields]`): written under those names as read, they are not kept a second time.
    pub(crate) read_fields: [String; 2],
    /// Parcel rows sorted by id, for [`AuditReport::parcel_by_id`] (made when first asked).
    pub(crate) parcel_order: OnceLock<Vec<u32>>,
    /// Enterprise rows sorted by id, for [`AuditReport::enterprise_by_id`].
    pub(crate) enterprise_order: OnceLock<Vec<u32>>,
    /// Each parcel's trend over the earlier audits (empty without a previous audit).
    pub(crate) parcel_trends: Vec<Trend>,
    /// Each enterprise's trend over the earlier audits (empty without a previous audit).
    pub(crate) enterprise_trends: Vec<Trend>,
}

impl AuditReport {
    /// The figures of `summary.json`.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Every park, in file order.
    pub fn parks(&self) -> &[ParkResult] {
        &self.parks
    }

    /// Every record not evaluated, by layer and index: rejected as invalid, or an enterprise
    /// that joined no parcel ([`Rejection::is_join_miss`]). [`Rejection::label`] puts each
    /// code in words.
    pub fn rejected(&self) -> &[Rejection] {
        &self.rejected
    }

    /// Warnings, by layer and index.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Overlapping parcel pairs.
    pub fn overlaps(&self) -> &[Overlap] {
        &self.overlaps
    }

    /// Wall time per stage.
    pub fn times(&self) -> StageTimes {
        self.times
    }

    /// Number of evaluated parcels.
    pub fn parcel_count(&self) -> usize {
        self.figures.len()
    }

    /// The evaluated parcels' input columns (row-aligned with [`AuditReport::parcel`]).
    pub fn parcel_table(&self) -> &Parcels {
        &self.parcel_table
    }

    /// The enterprises' input columns (row-aligned with [`AuditReport::enterprise`]).
    pub fn enterprise_table(&self) -> &Enterprises {
        &self.enterprise_table
    }

    /// Every evaluated parcel, in file order.
    pub fn parcels(&self) -> impl ExactSizeIterator<Item = ParcelResult<'_>> + '_ {
        (0..self.figures.len()).map(move |row| ParcelResult { report: self, row })
    }

    /// Evaluated parcel `row` (0-based among the evaluated ones).
    ///
    /// # Panics
    /// When `row >= self.parcel_count()`.
    pub fn parcel(&self, row: usize) -> ParcelResult<'_> {
        assert!(
            row < self.figures.len(),
            "parcel row {row} of {}",
            self.figures.len()
        );
        ParcelResult { report: self, row }
    }

    /// The evaluated parcel with this id, if any. The first call sorts the rows by id (4 bytes
    /// a parcel, kept); each call after is a binary search.
    pub fn parcel_by_id(&self, id: &str) -> Option<ParcelResult<'_>> {
        let ids = &self.parcel_table.ids;
        let row = by_id(&self.parcel_order, self.parcel_count(), id, |r| ids.get(r))?;
        Some(self.parcel(row))
    }

    /// Number of valid enterprises.
    pub fn enterprise_count(&self) -> usize {
        self.joins.len()
    }

    /// Every valid enterprise, in file order, with its join.
    pub fn enterprises(&self) -> impl ExactSizeIterator<Item = EnterpriseResult<'_>> + '_ {
        (0..self.joins.len()).map(move |row| EnterpriseResult { report: self, row })
    }

    /// Valid enterprise `row`.
    ///
    /// # Panics
    /// When `row >= self.enterprise_count()`.
    pub fn enterprise(&self, row: usize) -> EnterpriseResult<'_> {
        assert!(
            row < self.joins.len(),
            "enterprise row {row} of {}",
            self.joins.len()
        );
        EnterpriseResult { report: self, row }
    }

    /// The enterprise with this id, if it is valid. The first call sorts the rows by id (4
    /// bytes an enterprise, kept); each call after is a binary search.
    pub fn enterprise_by_id(&self, id: &str) -> Option<EnterpriseResult<'_>> {
        let table = &self.enterprise_table;
        let row = by_id(&self.enterprise_order, self.joins.len(), id, |r| {
            table.id(r)
        })?;
        Some(self.enterprise(row))
    }

    /// True when the composite evaluation ran.
    pub fn evaluated(&self) -> bool {
        !self.grades.is_empty()
    }
}

/// The row of `n` whose id is `id` (ids are unique in a layer), through `order`, the rows
/// sorted by id, made on the first call.
fn by_id<'a>(
    order: &OnceLock<Vec<u32>>,
    n: usize,
    id: &str,
    id_of: impl Fn(usize) -> &'a str,
) -> Option<usize> {
    let order = order.get_or_init(|| {
        let mut rows: Vec<u32> = (0..n as u32).collect();
        rows.sort_unstable_by(|&a, &b| id_of(a as usize).cmp(id_of(b as usize)));
        rows
    });
    let at = order
        .binary_search_by(|&r| id_of(r as usize).cmp(id))
        .ok()?;
    Some(order[at] as usize)
}

/// One parcel's audit: a view into an [`AuditReport`].
///
/// # Units
/// Areas in m² and mu; money sums in 万元; intensities in 万元/亩; floor area in m².
#[derive(Debug, Clone, Copy)]
pub struct ParcelResult<'a> {
    report: &'a AuditReport,
    row: usize,
}

impl<'a> ParcelResult<'a> {
    fn f(&self) -> &'a Figures {
        &self.report.figures[self.row]
    }

    /// The sums of its enterprises (tax, investment, output, floor area), added in order.
    pub fn sums(&self) -> ParcelSums {
        self.report.tallies[self.row].sums(self.tenants().len())
    }

    /// All its per-mu figures at once, as the audit classified it on them: its stored sums
    /// over its area (a parcel holding a firm left out of the sums is not idle).
    pub fn intensities(&self) -> Intensities {
        let f = self.f();
        let mut i = intensities(&self.sums(), self.record().floor_area_m2(), f.area_m2);
        i.idle = f.idle;
        i
    }

    /// Its sums and per-mu figures.
    pub fn figures(&self) -> (ParcelSums, Intensities) {
        (self.sums(), self.intensities())
    }

    /// The parcel as read.
    pub fn record(&self) -> ParcelRef<'a> {
        self.report.parcel_table.get(self.row)
    }
    /// Position among the evaluated parcels.
    pub fn row(&self) -> usize {
        self.row
    }
    /// 0-based index of the feature in its file.
    pub fn index(&self) -> usize {
        self.record().index()
    }
    /// Parcel code.
    pub fn parcel_id(&self) -> &'a str {
        self.report.parcel_table.ids.get(self.row)
    }
    /// The shape in WGS84 lon/lat.
    pub fn geometry(&self) -> MultiPolygon<f64> {
        self.record().geometry()
    }
    /// The park containing its interior point, if any.
    pub fn park_id(&self) -> Option<&'a str> {
        let k = self.f().park;
        (k != NO_PARK).then(|| self.report.park_table.id(k as usize))
    }
    /// Area, m².
    pub fn area_m2(&self) -> f64 {
        self.f().area_m2
    }
    /// Area, mu.
    pub fn area_mu(&self) -> f64 {
        m2_to_mu(self.f().area_m2)
    }
    /// How the area was obtained.
    pub fn area_method(&self) -> AreaSource {
        self.f().area_source
    }
    /// Enterprises joined.
    pub fn enterprise_count(&self) -> usize {
        self.tenants().len()
    }
    /// Rows (in [`AuditReport::enterprises`]) of the enterprises joined.
    pub fn tenants(&self) -> &'a [u32] {
        self.report.tenants.of(self.row)
    }
    /// Tax sum, 万元.
    pub fn tax(&self) -> f64 {
        self.sums().tax
    }
    /// Investment sum, 万元.
    pub fn investment(&self) -> f64 {
        self.sums().investment
    }
    /// Output sum, 万元.
    pub fn output(&self) -> f64 {
        self.sums().output
    }
    /// Floor area used for the plot ratio, m²: the parcel's own, else its enterprises' sum.
    pub fn floor_area(&self) -> Option<f64> {
        self.intensities().floor_area_m2
    }
    /// Tax per mu, 万元/亩.
    pub fn tax_per_mu(&self) -> f64 {
        self.intensities().tax_per_mu
    }
    /// Investment per mu, 万元/亩.
    pub fn investment_per_mu(&self) -> f64 {
        self.intensities().investment_per_mu
    }
    /// Output per mu, 万元/亩.
    pub fn output_per_mu(&self) -> f64 {
        self.intensities().output_per_mu
    }
    /// Plot ratio; `None` without a floor area.
    pub fn plot_ratio(&self) -> Option<f64> {
        self.intensities().plot_ratio
    }
    /// No enterprise, or zero output.
    pub fn idle(&self) -> bool {
        self.f().idle
    }
    /// Its per-mu figures against earlier audits' (growth, three-year averages), when a
    /// previous audit was given; a parcel not judged has no figures now, so none.
    pub fn trend(&self) -> Option<Trend> {
        self.report.parcel_trends.get(self.row).copied()
    }
    /// Low-efficiency land (低效用地).
    pub fn low_efficiency(&self) -> bool {
        !self.f().reasons.is_empty()
    }
    /// Its tenants' figures leave a firm out: one rejected that stands on it (by its point or
    /// its parcel id), or one whose point lies in it and another parcel. It is then not judged
    /// on its tenants' figures (not idle, no reason resting on them); `warnings.csv` names the
    /// firm.
    pub fn tenants_incomplete(&self) -> bool {
        self.f().unsure
    }
    /// Whether it is low-efficiency is not known: its tenants are incomplete and its own
    /// figures do not make it low. Left out of the park and summary ratios.
    pub fn unjudged(&self) -> bool {
        self.f().unjudged()
    }
    /// Why, in the order of [`Reason::ALL`](crate::rules::Reason::ALL).
    pub fn reasons(&self) -> Reasons {
        self.f().reasons
    }
    /// The thresholds applied.
    pub fn thresholds(&self) -> AppliedThresholds {
        self.report.rule_sets[self.f().rule_set as usize].thresholds
    }
    /// Names of the `[[low_efficiency.rule]]`s that supplied a threshold (empty: the base).
    pub fn rules(&self) -> &'a [String] {
        &self.report.rule_sets[self.f().rule_set as usize].rules
    }
    /// The enterprise (its id) whose industry the rules saw: the parcel's main tenant, when the
    /// parcel has no industry of its own and its tenants are complete (the one with the largest
    /// floor area if every tenant has one, else the largest output; the first in the file on
    /// a tie). `None` when the industry was the parcel's, or there was none.
    pub fn industry_tenant(&self) -> Option<&'a str> {
        let e = self.f().industry_tenant;
        (e != NO_TENANT).then(|| self.report.enterprise_table.id(e as usize))
    }
    /// The `rules` column: [`rules`](Self::rules), a rule that matched on the industry of the
    /// parcel's main tenant ([`industry_tenant`](Self::industry_tenant)) saying so, as
    /// `electronics (industry C2614 of main tenant E12)`.
    ///
    /// ```
    /// use land_efficiency::{Audit, Config, Inputs, Source};
    /// let config = Config::from_toml(
    ///     "[[low_efficiency.rule]]\nname = \"electronics\"\nindustry = \"26\"\nmin_plot_ratio = 0.6\n",
    /// )?;
    /// let parcels = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
    ///   "properties":{"parcel_id":"P1"},"geometry":{"type":"Polygon","coordinates":
    ///   [[[120.0,30.0],[120.001,30.0],[120.001,30.001],[120.0,30.001],[120.0,30.0]]]}}]}"#;
    /// let firms = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
    ///   "properties":{"enterprise_id":"E12","industry":"C2614","tax":1,"investment":1,"output":1},
    ///   "geometry":{"type":"Point","coordinates":[120.0005,30.0005]}}]}"#;
    /// let report = Audit::new(config).run(&Inputs {
    ///     parcels: Source::geojson("parcels.geojson", parcels),
    ///     enterprises: Some(Source::geojson("enterprises.geojson", firms)),
    ///     parks: None,
    /// })?;
    /// let p = report.parcel(0);
    /// assert_eq!(p.industry_tenant(), Some("E12"));
    /// assert_eq!(p.thresholds().min_plot_ratio, 0.6);
    /// assert_eq!(p.rule_texts().to_vec(), ["electronics (industry C2614 of main tenant E12)"]);
    /// # Ok::<(), land_efficiency::Error>(())
    /// ```
    pub fn rule_texts(&self) -> Cow<'a, [String]> {
        let set = &self.report.rule_sets[self.f().rule_set as usize];
        let e = self.f().industry_tenant;
        if e == NO_TENANT || !set.by_industry.contains(&true) {
            return Cow::Borrowed(&set.rules);
        }
        let firms = &self.report.enterprise_table;
        let (id, code) = (firms.id(e as usize), firms.industry.get(e as usize));
        let code = code.unwrap_or_default();
        (set.rules.iter().zip(&set.by_industry))
            .map(|(name, &by_industry)| match by_industry {
                true => format!("{name} (industry {code} of main tenant {id})"),
                false => name.clone(),
            })
            .collect()
    }
    /// Industry code.
    pub fn industry(&self) -> Option<&'a str> {
        self.record().industry()
    }
    /// Land-use class.
    pub fn land_use(&self) -> Option<&'a str> {
        self.record().land_use()
    }
    /// New or existing.
    pub fn status(&self) -> Status {
        self.record().status()
    }
    /// The class of its main tenant (the one with the most land), when the evaluation ran.
    pub fn class(&self) -> Option<Class> {
        self.f().class
    }
    /// The grade of its main tenant, whose class is [`ParcelResult::class`].
    pub fn class_grade(&self) -> Option<&'a grade::Grade> {
        let e = self.f().class_tenant;
        (self.report.grades.get(e as usize)).and_then(Option::as_ref)
    }
    /// Low-efficiency in the previous audit, when one was given and listed the parcel.
    pub fn previous_low_efficiency(&self) -> Option<bool> {
        self.f().previous
    }
    /// What changed since the previous audit, when one was given.
    pub fn change(&self) -> Option<Change> {
        self.f().change
    }
}

/// A shape in the arena as a GeoJSON MultiPolygon geometry object, written from its slices.
pub(crate) struct GeoJsonShape<'a>(pub(crate) ShapeRef<'a>);

impl Serialize for GeoJsonShape<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Positions<'a>(&'a [geo::Coord<f64>]);
        impl Serialize for Positions<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(|c| [c.x, c.y]))
            }
        }
        struct Rings<'a>(PolygonRef<'a>);
        impl Serialize for Rings<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let p = self.0;
                s.collect_seq(
                    std::iter::once(p.exterior())
                        .chain(p.interiors())
                        .map(Positions),
                )
            }
        }
        struct Polygons<'a>(ShapeRef<'a>);
        impl Serialize for Polygons<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.polygons().map(Rings))
            }
        }
        let mut st = s.serialize_struct("Geometry", 2)?;
        st.serialize_field("type", "MultiPolygon")?;
        st.serialize_field("coordinates", &Polygons(self.0))?;
        st.end()
    }
}

/// One enterprise's join (and, when the evaluation ran, its grade): a view into an
/// [`AuditReport`].
#[derive(Debug, Clone, Copy)]
pub struct EnterpriseResult<'a> {
    report: &'a AuditReport,
    row: usize,
}

impl<'a> EnterpriseResult<'a> {
    /// The enterprise as read (an owned record; see [`Enterprises::get`]): its name only when
    /// held, `None` when it was left in the input file ([`Enterprises::names`] reads it back).
    pub fn enterprise(&self) -> Enterprise {
        self.report.enterprise_table.get(self.row)
    }
    /// Its id.
    pub fn id(&self) -> &'a str {
        self.report.enterprise_table.id(self.row)
    }
    /// 0-based index of the feature (or CSV row) in its file.
    pub fn index(&self) -> usize {
        self.report.enterprise_table.index[self.row] as usize
    }
    /// How it was joined.
    pub fn join(&self) -> JoinKind {
        self.report.joins[self.row].kind
    }
    /// The parcel it was joined to.
    pub fn parcel_id(&self) -> Option<&'a str> {
        let j = self.report.joins[self.row];
        matches!(j.kind, JoinKind::ByKey | JoinKind::ByLocation)
            .then(|| self.report.parcel_table.ids.get(j.parcel as usize))
    }
    /// For an ambiguous point, the parcels it lies in.
    pub fn candidates(&self) -> Vec<&'a str> {
        self.report
            .ambiguous
            .get(&(self.row as u32))
            .map(|v| {
                v.iter()
                    .map(|&p| self.report.parcel_table.ids.get(p as usize))
                    .collect()
            })
            .unwrap_or_default()
    }
    /// Land attributed to it for the evaluation, m².
    pub fn land_m2(&self) -> Option<f64> {
        self.report.land.get(self.row).copied().flatten()
    }
    /// Its composite evaluation, when configured.
    pub fn evaluation(&self) -> Option<&'a grade::Grade> {
        self.report.grades.get(self.row).and_then(Option::as_ref)
    }
    /// Its per-mu figures (tax and output over the land attributed to it, with
    /// `[evaluation]`) against earlier audits', when a previous audit was given.
    pub fn trend(&self) -> Option<Trend> {
        self.report.enterprise_trends.get(self.row).copied()
    }

    /// The years it has been graded D running, this year included (for tiered surcharges);
    /// `None` when it was not graded this year.
    pub fn consecutive_d_years(&self) -> Option<usize> {
        let h = self.class_history();
        h.last()?.as_ref()?;
        Some(crate::years::consecutive_d_years(h))
    }

    /// Its classes, oldest first, this year last (`None` for a year it was not graded).
    pub fn class_history(&self) -> &'a [Option<Class>] {
        self.report
            .histories
            .get(self.row)
            .map_or(&[], Vec::as_slice)
    }
}

impl Serialize for EnterpriseResult<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("EnterpriseResult", 7)?;
        st.serialize_field("enterprise", &self.enterprise())?;
        st.serialize_field("join", &self.join())?;
        st.serialize_field("joined_parcel_id", &self.parcel_id())?;
        st.serialize_field("candidates", &self.candidates())?;
        st.serialize_field("land_m2", &self.land_m2())?;
        st.serialize_field("evaluation", &self.evaluation())?;
        st.serialize_field("class_history", self.class_history())?;
        st.end()
    }
}

/// Two parcels whose interiors overlap, or a copy in a stack of parcels of the very same
/// geometry (see [`ParcelIndex::overlaps`](crate::ParcelIndex::overlaps)).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overlap {
    /// One parcel (for a stack, its first).
    pub a: String,
    /// The other.
    pub b: String,
    /// Geodesic area of the overlap, m².
    pub area_m2: f64,
    /// For a copy in a stack: how many parcels have this very geometry (the first is `a`);
    /// `None` for an ordinary pair.
    pub stack_size: Option<usize>,
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

/// The enterprises' counts: `read = joined + unmatched + rejected`, as `summary.json` has
/// them; `ambiguous` says how many of the unmatched lie in several parcels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EnterpriseCounts {
    /// Records read.
    pub read: usize,
    /// Joined to a parcel (by key or location).
    pub joined: usize,
    /// Joined to no parcel: in none, keyed to none, or in several (the `ambiguous`).
    pub unmatched: usize,
    /// Of the unmatched, those in two or more parcels.
    pub ambiguous: usize,
    /// Invalid records.
    pub rejected: usize,
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

/// The previous audit a year-on-year comparison used, as `summary.json` records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviousInfo {
    /// The files read, as given (`audit-2023/parcels.csv`, `audit-2023/enterprises.csv`).
    pub files: Vec<String>,
    /// Parcels in its `parcels.csv`.
    pub parcels: usize,
    /// This audit's evaluated parcels found there.
    pub matched: usize,
}

/// The figures of `summary.json`, plus counts by reason and the CRS of each layer.
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
    /// Parcels left out of the ratio: not low-efficiency on their own figures, and their
    /// tenants' figures leave a firm out (rejected, or in two parcels), so whether they are
    /// low is not known. `warnings.csv` names the firms.
    pub unjudged_count: usize,
    /// Their area, mu.
    pub unjudged_area_mu: f64,
    /// Low-efficiency area / (total area − unjudged area) (idle parcels in both).
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
    /// Rows of `overlaps.csv`: overlapping parcel pairs, and one for each copy in a stack of
    /// parcels of the very same geometry (a stack of k is k - 1, not its k(k - 1)/2 pairs).
    pub overlap_count: usize,
    /// Warnings issued.
    pub warning_count: usize,
    /// The CRS of each layer.
    pub crs: LayerInfo,
    /// Enterprises by group and class, when the evaluation ran.
    pub classes:
        Option<std::collections::BTreeMap<String, std::collections::BTreeMap<&'static str, usize>>>,
    /// The class quotas of each ranking unit, with how they were rounded, when the evaluation
    /// ran with percentile classes.
    pub quotas: Option<Vec<crate::quota::Quotas>>,
    /// The previous audit compared with, when one was given.
    pub previous: Option<PreviousInfo>,
    /// Parcels by change since the previous audit, when one was given: this audit's parcels by
    /// [`Change`] (`became_low`, `recovered`, `still_low`, `still_ok`, `new`) and `unjudged`
    /// (not judged this year or the last: no change), which add up to the parcels evaluated;
    /// and `gone`, the previous audit's parcels this one did not evaluate (removed, or
    /// rejected this year), `gone_low` of them low-efficiency then.
    pub changes: Option<std::collections::BTreeMap<&'static str, usize>>,
    /// What makes this audit untrustworthy as a whole; empty for a sound one. See
    /// [`Summary::refused`].
    pub suspicions: Vec<Suspicion>,
    /// True when the suspicions were accepted knowingly (`[checks] allow_suspect`).
    pub suspicions_accepted: bool,
    /// Every park's figures.
    pub parks: Vec<ParkResult>,
    /// The zone's roll-up (开发区汇总) and the TD/T 1029 indicators it cannot give.
    pub zone: Zone,
    /// The year audited (`[report] year`, else `[evaluation] year`), if set: a later audit
    /// given this one as a previous audit orders its audits by it.
    pub year: Option<i32>,
}

/// The zone's roll-up in `summary.json`: the figures of [`Rollup`] over every evaluated parcel
/// (those in no park too), and the TD/T 1029-2017 indicators the inputs do not allow.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Zone {
    /// The roll-up.
    #[serde(flatten)]
    pub rollup: Rollup,
    /// The TD/T 1029 indicators not computed, each with the input it needs.
    pub not_computed: Vec<NotComputed>,
    /// Its per-mu figures against earlier audits' (growth, three-year averages), when a
    /// previous audit was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend: Option<Trend>,
}

impl Summary {
    /// True when an input is wrong as a whole ([`Summary::suspicions`]) and that was not
    /// accepted: the figures are not an answer, and should not be published as one. The
    /// example binary exits 1 then; a service should report the suspicions instead.
    pub fn refused(&self) -> bool {
        !self.suspicions.is_empty() && !self.suspicions_accepted
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        parcels: impl Iterator<Item = ParcelFacts>,
        parks: &[ParkResult],
        parcel_counts: Counts,
        enterprises: EnterpriseCounts,
        park_features: Counts,
        config: &Config,
        crs: LayerInfo,
        overlap_count: usize,
        warning_count: usize,
    ) -> Summary {
        let (mut total, mut low, mut low_count, mut idle, mut outside) = (0.0, 0.0, 0, 0, 0);
        // The judged area is summed apart: `total - unjudged` would leave a rounding.
        let (mut judged, mut unjudged, mut unjudged_count) = (0.0, 0.0, 0);
        let mut by_reason = std::collections::BTreeMap::new();
        let mut methods = std::collections::BTreeMap::new();
        for p in parcels {
            total += p.area_m2;
            if !p.reasons.is_empty() {
                low += p.area_m2;
                low_count += 1;
            }
            if p.unjudged {
                unjudged += p.area_m2;
                unjudged_count += 1;
            } else {
                judged += p.area_m2;
            }
            idle += usize::from(p.idle);
            outside += usize::from(!p.in_park);
            for r in p.reasons.iter() {
                *by_reason.entry(r.as_str()).or_insert(0) += 1;
            }
            *methods.entry(p.area_method.as_str()).or_insert(0) += 1;
        }
        let base = &config.low_efficiency;
        Summary {
            parcels: parcel_counts,
            enterprises,
            park_features,
            total_area_mu: m2_to_mu(total),
            low_efficiency_area_mu: m2_to_mu(low),
            low_efficiency_count: low_count,
            unjudged_count,
            unjudged_area_mu: m2_to_mu(unjudged),
            low_efficiency_ratio: (judged > 0.0).then(|| low / judged),
            idle_count: idle,
            outside_parks_count: outside,
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
            quotas: None,
            previous: None,
            changes: None,
            suspicions: Vec::new(),
            suspicions_accepted: config.checks.allow_suspect,
            parks: parks.to_vec(),
            zone: Zone::default(),
            year: (config.report.year.map(i32::from))
                .or_else(|| config.evaluation.as_ref().and_then(|e| e.year)),
        }
    }
}

/// What the summary reads of a parcel.
pub(crate) struct ParcelFacts {
    /// m²: areas are summed in m² and turned into mu once (see [`crate::parks::ParkShare`]).
    pub(crate) area_m2: f64,
    pub(crate) reasons: Reasons,
    pub(crate) idle: bool,
    pub(crate) in_park: bool,
    pub(crate) area_method: AreaSource,
    /// [`Figures::unjudged`].
    pub(crate) unjudged: bool,
}

/// Wall time of each stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StageTimes {
    /// Reading and validating the inputs. In [`crate::audit::Audit::run`] this includes working out
    /// the parcels' areas, which is done while the enterprises and parks are read.
    pub read: Duration,
    /// Building the R-trees, and finding each parcel's park (done meanwhile).
    pub index: Duration,
    /// Joining enterprises to parcels.
    pub join: Duration,
    /// Areas (unless worked out while reading), intensities, classification, park figures.
    pub evaluate: Duration,
    /// Writing the outputs (set by the writer's caller).
    pub write: Duration,
}
