//! The JSON blob embedded in `report.html` for its script: the words it shows, the number
//! formats, and per parcel, park and firm the figures its card holds. Row-aligned with the
//! map: the `n`-th parcel path of the SVG is parcel `n` here, and so for the parks.
//!
//! Keys are short (a 50 000-parcel zone's blob is a few MB); each is named at its struct.

use std::collections::{BTreeMap, HashMap};
use std::io;

use serde::Serialize;

use super::words::{
    CHANGES, adjustment_text, forced_label, group_label, reason_label, script_words, words,
};
use super::{Lang, ReportOptions, decimals, needs_files};
use crate::outcome::JoinKind;
use crate::results::{AuditReport, ParcelResult};
use crate::rules::Reason;
use crate::source_text::InputText;

/// The whole blob.
#[derive(Serialize)]
struct Blob<'a> {
    /// The script's words, by key.
    t: BTreeMap<&'static str, &'static str>,
    /// The reasons' words, in the order of [`Reason::ALL`] (`ParcelData::why` indexes it).
    reasons: Vec<&'static str>,
    /// The parcel states' words, as [`state`] numbers them.
    states: [&'static str; 5],
    /// The year-on-year changes' words, by code.
    changes: BTreeMap<&'static str, &'static str>,
    /// Decimals per quantity: one format each, as the page's tables have them.
    dec: BTreeMap<&'static str, usize>,
    /// The parks' cap on the low-efficiency ratio.
    cap: f64,
    /// True when the map is a grid: no parcel or firm is listed here.
    grid: bool,
    /// Where the parcels and firms of a grid's map are, when they were written beside the
    /// page (`report_files/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    files: Option<Tiling>,
    /// The distinct thresholds parcels were held to.
    th: Vec<Thresholds<'a>>,
    parks: Vec<ParkData<'a>>,
    p: Vec<ParcelData<'a>>,
    e: Vec<FirmData<'a>>,
}

/// The minimums a parcel was held to, and the rules that set them.
#[derive(Serialize)]
struct Thresholds<'a> {
    /// Investment, tax, output per mu (万元/亩), plot ratio.
    m: [f64; 4],
    /// The contract shortfall fraction.
    sf: f64,
    /// The rules' names; empty for the base thresholds.
    r: &'a [String],
}

#[derive(Serialize)]
struct ParkData<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    /// Low-efficiency ratio, as on the page.
    ratio: String,
    over: bool,
    /// Parcels, area (mu), low-efficiency area (mu).
    n: usize,
    a: f64,
    low: f64,
    /// Its roll-up: tax, output and investment per mu (万元/亩) and plot ratio.
    pm: [Option<f64>; 4],
    /// Its rank by tax per mu.
    #[serde(skip_serializing_if = "Option::is_none")]
    rk: Option<usize>,
}

#[derive(Serialize)]
pub(super) struct ParcelData<'a> {
    pub(super) id: &'a str,
    /// Index of its park in `parks`.
    #[serde(skip_serializing_if = "Option::is_none")]
    k: Option<u32>,
    /// Area, mu.
    a: f64,
    /// Tax, investment, output per mu (万元/亩), plot ratio.
    f: [Option<f64>; 4],
    /// Its state ([`state`]).
    s: u8,
    /// Reasons, as indices into `reasons`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    why: Vec<u8>,
    /// Index of its thresholds in `th`.
    th: u32,
    /// Contract commitments: investment, tax, output per mu (万元/亩), plot ratio.
    #[serde(skip_serializing_if = "Option::is_none")]
    ct: Option<[Option<f64>; 4]>,
    /// Its tenants, as indices into `e`.
    #[serde(skip_serializing_if = "<[u32]>::is_empty")]
    n: &'a [u32],
    #[serde(skip_serializing_if = "Option::is_none")]
    c: Option<&'static str>,
    /// Low-efficiency last year (with `--previous`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pl: Option<bool>,
    /// Its change since last year, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    ch: Option<&'static str>,
}

#[derive(Serialize)]
pub(super) struct FirmData<'a> {
    pub(super) id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) nm: Option<&'a str>,
    /// Tax, investment, output (万元).
    f: [f64; 3],
    /// Index of its parcel in `p`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) p: Option<u32>,
    /// Land attributed to it, mu.
    #[serde(skip_serializing_if = "Option::is_none")]
    l: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    c: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sc: Option<f64>,
    /// Its evaluation group, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    g: Option<&'static str>,
    /// Its forced class (or its being left out) in words, with the reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    fc: Option<String>,
    /// Its bonus and penalty after the caps, and its items.
    #[serde(skip_serializing_if = "Option::is_none")]
    ad: Option<String>,
}

/// A parcel's state, as the map colours it: 0 meets every minimum, 1 low on a minimum, 2 low
/// on a contract only, 3 idle, 4 not judged (the colours of `parcels.geojson`).
pub(super) fn state(p: &ParcelResult<'_>) -> u8 {
    use crate::write::geojson::style;
    match crate::write::geojson::parcel_fill(p) {
        style::OK => 0,
        style::LOW => 1,
        style::CONTRACT => 2,
        style::IDLE => 3,
        _ => 4,
    }
}

/// The firms' names, row-aligned with the report's enterprises: held, or read back from
/// `names`, the file they were left in.
pub(super) fn firm_names(
    report: &AuditReport,
    names: Option<&InputText>,
) -> io::Result<Vec<Option<String>>> {
    let n = report.enterprise_count();
    let texts = report
        .enterprise_table
        .names(0..n, names)
        .map_err(io::Error::other)?;
    Ok((0..n)
        .map(|row| texts.get(row).map(|c| c.into_owned()))
        .collect())
}

/// Appends the blob to `h`, escaped for a `<script type="application/json">` element: the
/// cards of every parcel and firm, or for a grid the `tiling` of the files they were written
/// to (none when the page was written alone).
pub(super) fn write_blob(
    h: &mut String,
    cards: Cards<'_>,
    options: &ReportOptions,
    tiling: Option<Tiling>,
) {
    let report = cards.report;
    let lang = options.lang;
    let t = words(lang);
    let grid = needs_files(report, options);
    let cap = report.summary.max_low_efficiency_ratio;
    let parks = park_data(report, cap);
    let (p, e) = if grid {
        Default::default()
    } else {
        (
            (0..report.parcel_count())
                .map(|i| cards.parcel(i))
                .collect(),
            (0..report.enterprise_count())
                .map(|j| cards.firm(j))
                .collect(),
        )
    };
    // A grid alone has no card to refer to thresholds.
    let th = if grid && tiling.is_none() {
        Vec::new()
    } else {
        cards.th
    };
    let files = tiling;
    let blob = Blob {
        t: script_words(lang).iter().copied().collect(),
        reasons: Reason::ALL.iter().map(|r| reason_label(*r, lang)).collect(),
        states: [
            t.legend_ok,
            t.legend_low,
            t.legend_contract,
            t.legend_idle,
            t.legend_unjudged,
        ],
        changes: CHANGES.iter().copied().zip(t.changes).collect(),
        dec: decimals::ALL.iter().copied().collect(),
        cap,
        grid,
        files,
        th,
        parks,
        p,
        e,
    };
    let json = serde_json::to_string(&blob).unwrap_or_else(|_| "{}".into());
    // Inside a script element only "</script" would end it; no "<" at all is simplest. JSON
    // has "<" only inside strings, where "\u003c" reads back the same.
    h.push_str(&json.replace('<', "\\u003c"));
}

/// Each park's figures, in the report's order.
fn park_data(report: &AuditReport, cap: f64) -> Vec<ParkData<'_>> {
    report
        .parks
        .iter()
        .map(|k| ParkData {
            id: &k.park_id,
            name: k.name.as_deref(),
            ratio: k
                .low_efficiency_ratio
                .map_or("—".into(), |r| crate::write::ratio_percent(r, cap)),
            over: k.over_cap,
            n: k.parcel_count,
            a: k.area_mu,
            low: k.low_efficiency_area_mu,
            pm: [
                k.rollup.tax_per_mu,
                k.rollup.output_per_mu,
                k.rollup.investment_per_mu,
                k.rollup.plot_ratio,
            ],
            rk: k.rank_tax_per_mu,
        })
        .collect()
}

/// What the cards show, row by row: built for one parcel or firm at a time, so that a large
/// audit's tiles are formatted without holding every card at once.
pub(super) struct Cards<'a> {
    pub(super) report: &'a AuditReport,
    pub(super) names: &'a [Option<String>],
    lang: Lang,
    park_index: HashMap<&'a str, u32>,
    /// The distinct thresholds parcels were held to (shared: few differ).
    th: Vec<Thresholds<'a>>,
    /// Each parcel's index in `th`.
    th_of: Vec<u32>,
}

impl<'a> Cards<'a> {
    pub(super) fn new(report: &'a AuditReport, names: &'a [Option<String>], lang: Lang) -> Self {
        let park_index = (report.parks.iter().enumerate())
            .map(|(i, k)| (k.park_id.as_str(), i as u32))
            .collect();
        let mut th: Vec<Thresholds<'_>> = Vec::new();
        let mut th_index: HashMap<([u64; 5], &[String]), u32> = HashMap::new();
        let th_of = report
            .parcels()
            .map(|parcel| {
                let applied = parcel.thresholds();
                let rules = parcel.rules();
                let bits = [
                    applied.min_investment_per_mu,
                    applied.min_tax_per_mu,
                    applied.min_output_per_mu,
                    applied.min_plot_ratio,
                    applied.contract_shortfall,
                ]
                .map(f64::to_bits);
                *th_index.entry((bits, rules)).or_insert_with(|| {
                    th.push(Thresholds {
                        m: [
                            applied.min_investment_per_mu,
                            applied.min_tax_per_mu,
                            applied.min_output_per_mu,
                            applied.min_plot_ratio,
                        ],
                        sf: applied.contract_shortfall,
                        r: rules,
                    });
                    th.len() as u32 - 1
                })
            })
            .collect();
        Cards {
            report,
            names,
            lang,
            park_index,
            th,
            th_of,
        }
    }

    /// Parcel `i`'s card.
    pub(super) fn parcel(&self, i: usize) -> ParcelData<'a> {
        let parcel = self.report.parcel(i);
        let c = parcel.record().commitments();
        let commitments = [
            c.investment_per_mu,
            c.tax_per_mu,
            c.output_per_mu,
            c.plot_ratio,
        ]
        .map(|v| v.map(short));
        let reasons = parcel.reasons();
        ParcelData {
            id: parcel.parcel_id(),
            k: parcel
                .park_id()
                .and_then(|k| self.park_index.get(k).copied()),
            a: short(parcel.area_mu()),
            f: [
                parcel.tax_per_mu(),
                parcel.investment_per_mu(),
                parcel.output_per_mu(),
                parcel.plot_ratio().unwrap_or(f64::NAN),
            ]
            .map(|v| v.is_finite().then(|| short(v))),
            s: state(&parcel),
            why: (Reason::ALL.iter().enumerate())
                .filter(|(_, r)| reasons.contains(**r))
                .map(|(i, _)| i as u8)
                .collect(),
            th: self.th_of[i],
            ct: commitments
                .iter()
                .any(Option::is_some)
                .then_some(commitments),
            n: parcel.tenants(),
            c: parcel.class().map(|c| c.as_str()),
            pl: parcel.previous_low_efficiency(),
            ch: parcel
                .change()
                .and_then(|ch| change_label(ch.as_str(), self.lang)),
        }
    }

    /// Firm `j`'s card, its name from `names`.
    pub(super) fn firm(&self, j: usize) -> FirmData<'a> {
        let firm = self.report.enterprise(j);
        let money = self.report.enterprise_table.money(j);
        let joined = self.report.joins[j];
        let grade = firm.evaluation();
        FirmData {
            id: firm.id(),
            nm: self.names.get(j).and_then(Option::as_deref),
            f: money.map(short),
            p: matches!(joined.kind, JoinKind::ByKey | JoinKind::ByLocation)
                .then_some(joined.parcel),
            l: firm.land_m2().map(|m2| short(crate::units::m2_to_mu(m2))),
            c: grade.and_then(|g| g.class).map(|c| c.as_str()),
            sc: grade.and_then(|g| g.score).map(short),
            g: grade.map(|g| group_label(g.group.as_str(), self.lang)),
            fc: (grade.and_then(|g| g.forced.as_ref()))
                .map(|f| format!("{}: {}", forced_label(f.action, self.lang), f.reason)),
            ad: grade
                .filter(|g| !g.adjustments.is_empty())
                .map(|g| adjustment_text(g, self.lang)),
        }
    }
}

/// A figure to 4 decimals, finer than any the page shows: the blob stays short.
fn short(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

/// The tiles as the page's script reads them (in the blob, as `files`).
#[derive(Serialize)]
pub(super) struct Tiling {
    /// The folder, relative to the page.
    pub(super) dir: &'static str,
    pub(super) cols: usize,
    pub(super) rows: usize,
    /// A tile's width and height, SVG units.
    pub(super) w: f64,
    pub(super) h: f64,
    /// Parcels per tile, row by row.
    pub(super) n: Vec<u32>,
    /// Number of id files (`i0.js` ..).
    pub(super) shards: u32,
    /// Parcels and firms in the whole audit.
    pub(super) np: usize,
    pub(super) ne: usize,
    /// At most how many parcels are drawn at once.
    pub(super) lod: u32,
}

/// A change's words.
fn change_label(code: &str, lang: Lang) -> Option<&'static str> {
    let t = words(lang);
    CHANGES
        .iter()
        .position(|c| *c == code)
        .map(|i| t.changes[i])
}
