//! `report.html`: one self-contained page for people — headline figures, a map drawn as inline
//! SVG, the parks sorted by ratio against the cap, the worst parcels, the class D firms, the
//! rejected records by reason, and the thresholds used.
//!
//! The map works with the page's own script (`html/report.js`, a few hundred lines written
//! for it, and `html/report.css`, both inlined): pan and zoom, a card for a parcel, a park or a
//! firm (deep links `#parcel=`, `#park=`, `#firm=`), search, the colouring by low-efficiency
//! or by class, a filter by reason. The cards read one JSON blob embedded in the page
//! (`html/data.rs`). Nothing is fetched: no network reference of any kind. Without the script
//! the page still shows the map, with each parcel's figures as its hover title.
//!
//! Every text comes from `html/words.rs`, in Chinese or English.
//!
//! Large audits stay usable: above [`ReportOptions::max_parcels_drawn`] parcels the map draws a
//! grid of cells coloured by their low-efficiency area share instead of every parcel, and says
//! so on the page; the cards are then those of the parks alone.

mod data;
mod tiles;
mod words;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use self::words::{
    CHANGES, Words, code_label, group_label, layer_label, reason_label, suspicion_label, words,
};
use super::geojson::style;
use crate::parcel::Class;
use crate::results::{AuditReport, ParcelResult, Summary};
use crate::schema::{Cell, parcel_column};
use crate::shapes::ShapeRef;
use crate::source_text::InputText;

pub use crate::labels::Lang;

/// How to render the report.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Label language.
    pub lang: Lang,
    /// Above this many parcels the map shows a grid of cells instead of every parcel, and
    /// [`write_all`](crate::write_all) writes the parcels in `report_files/` beside the page
    /// for its script to draw as the map is zoomed in.
    pub max_parcels_drawn: usize,
    /// How many of the worst parcels to list.
    pub worst: usize,
    /// The page's heading, e.g. the zone's name (`[report] title`); a generic title when
    /// `None`.
    pub title: Option<String>,
    /// The year audited (`[report] year`), shown beside the title.
    pub year: Option<u16>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            lang: Lang::Zh,
            max_parcels_drawn: 50_000,
            worst: 20,
            title: None,
            year: None,
        }
    }
}

impl ReportOptions {
    /// The options a configuration's `[report]` table gives, in `lang`.
    ///
    /// ```
    /// use land_efficiency::{Config, Lang, ReportOptions};
    /// let c = Config::from_toml("[report]\ntitle = \"苏州工业园区\"\nyear = 2024").unwrap();
    /// let o = ReportOptions::from_config(&c.report, Lang::Zh);
    /// assert_eq!((o.title.as_deref(), o.year), (Some("苏州工业园区"), Some(2024)));
    /// ```
    pub fn from_config(report: &crate::config::ReportConfig, lang: Lang) -> ReportOptions {
        ReportOptions {
            lang,
            title: report.title.clone(),
            year: report.year,
            max_parcels_drawn: (report.max_parcels_drawn)
                .unwrap_or(ReportOptions::default().max_parcels_drawn),
            ..ReportOptions::default()
        }
    }
}

/// Escapes text for HTML and SVG.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// One number format per quantity: the decimals each is shown with, in the page's tables and
/// cards and by its script (which reads [`decimals::ALL`] from the page's data).
mod decimals {
    /// Areas, mu.
    pub const AREA_MU: usize = 1;
    /// Money per mu, 万元/亩.
    pub const PER_MU: usize = 1;
    /// Money, 万元.
    pub const MONEY: usize = 1;
    /// Plot ratios.
    pub const PLOT_RATIO: usize = 2;
    /// Percentages.
    pub const PERCENT: usize = 1;
    /// Evaluation scores.
    pub const SCORE: usize = 1;
    /// Each, by the name the script knows it by.
    pub const ALL: [(&str, usize); 6] = [
        ("area", AREA_MU),
        ("per_mu", PER_MU),
        ("money", MONEY),
        ("plot", PLOT_RATIO),
        ("pct", PERCENT),
        ("score", SCORE),
    ];
}

/// An area in mu: `1,788.2`.
fn mu(v: f64) -> String {
    grouped(v, decimals::AREA_MU)
}

/// Money per mu (万元/亩): `1,234.5`.
fn per_mu(v: f64) -> String {
    grouped(v, decimals::PER_MU)
}

/// A plot ratio: `1.25`.
fn plot(v: f64) -> String {
    num(v, decimals::PLOT_RATIO)
}

fn pct(r: Option<f64>) -> String {
    r.map_or("—".into(), |r| {
        format!("{:.*}%", decimals::PERCENT, r * 100.0)
    })
}

/// A park's ratio, told apart from the cap (see [`super::ratio_percent`]).
fn park_pct(r: Option<f64>, cap: f64) -> String {
    r.map_or("—".into(), |r| super::ratio_percent(r, cap))
}

fn num(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        format!("{v:.decimals$}")
    } else {
        "—".into()
    }
}

/// A number with thousands separators, for the headline figures: `32,335,997.5`.
fn grouped(v: f64, decimals: usize) -> String {
    let text = num(v, decimals);
    let (sign, rest) = text.split_at(usize::from(text.starts_with('-')));
    let (int, frac) = rest.split_at(rest.find('.').unwrap_or(rest.len()));
    if !int.bytes().all(|b| b.is_ascii_digit()) {
        return text;
    }
    let mut out = String::from(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out + frac
}

/// Width of a map label in SVG units: 12 px bold, CJK characters about twice as wide.
fn label_width(label: &str) -> f64 {
    label
        .chars()
        .map(|c| if c.is_ascii() { 7.5 } else { 13.0 })
        .sum::<f64>()
        + 4.0
}

/// The tallest the map is drawn, in SVG units (its width is 1000).
const MAX_MAP_HEIGHT: f64 = 1400.0;

/// Maps lon/lat to SVG units: equirectangular, x scaled by cos(mid latitude), north up.
struct Frame {
    lon0: f64,
    lat1: f64,
    k: f64,
    cos: f64,
    width: f64,
    height: f64,
}

impl Frame {
    fn new(min: (f64, f64), max: (f64, f64)) -> Frame {
        let width = 1000.0;
        let cos = ((min.1 + max.1) / 2.0).to_radians().cos().max(0.01);
        let w = ((max.0 - min.0) * cos).max(1e-9);
        let h = (max.1 - min.1).max(1e-9);
        // One scale for both axes, small enough that a tall zone fits the height too (a
        // height clamped after the fact left the south of the zone outside the picture).
        let k = (width / w).min(MAX_MAP_HEIGHT / h);
        Frame {
            lon0: min.0,
            lat1: max.1,
            k,
            cos,
            width,
            height: (h * k).max(200.0),
        }
    }

    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.lon0) * self.cos * self.k,
            (self.lat1 - lat) * self.k,
        )
    }

    /// Metres per SVG unit.
    fn metres_per_unit(&self) -> f64 {
        111_320.0 / self.k
    }
}

fn path_of(shape: &ShapeRef<'_>, f: &Frame, out: &mut String) {
    for ring in shape.rings() {
        for (i, c) in ring.iter().enumerate() {
            let (x, y) = f.xy(c.x, c.y);
            let _ = write!(out, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
        }
        out.push('Z');
    }
}

fn class_colour(c: Class) -> &'static str {
    match c {
        Class::A => "#1a9641",
        Class::B => "#a6d96a",
        Class::C => "#fdae61",
        Class::D => "#d7191c",
    }
}

/// A share of low-efficiency area as a colour from green (0) to red (1).
fn share_colour(s: f64) -> String {
    let s = s.clamp(0.0, 1.0);
    let (r, g) = if s < 0.5 {
        (255.0 * s * 2.0, 190.0)
    } else {
        (255.0, 190.0 * (1.0 - s) * 2.0)
    };
    format!("rgb({:.0},{:.0},60)", r, g)
}

/// Writes `report.html`.
///
/// # Errors
/// I/O errors of `w`.
pub fn write_report_html(
    report: &AuditReport,
    w: &mut dyn Write,
    options: &ReportOptions,
) -> io::Result<()> {
    write_report(report, None, w, options, None)
}

/// Whether the report of `report` needs its data folder (`report_files/`): more parcels than
/// one page draws.
pub(super) fn needs_files(report: &AuditReport, options: &ReportOptions) -> bool {
    report.parcel_count() > options.max_parcels_drawn
}

/// [`write_report_html`], reading the firms' names back from `names`, the input file they
/// were left in, if they were; the map's data written in the folder `files` when the page
/// cannot hold it ([`needs_files`]), else the map of a large audit is a grid alone.
pub(super) fn write_report(
    report: &AuditReport,
    names: Option<&InputText>,
    w: &mut dyn Write,
    options: &ReportOptions,
    files: Option<&Path>,
) -> io::Result<()> {
    let t = words(options.lang);
    let s = &report.summary;
    let firm_names = data::firm_names(report, names)?;
    let title = esc(options.title.as_deref().unwrap_or(t.title));
    let mut h = String::with_capacity(1 << 16);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\n<style>{}{}</style></head><body>\n<header><h1>{title}</h1>\n<p class=\"files\">",
        t.lang,
        CSS,
        colour_css()
    );
    if let Some(year) = options.year {
        let _ = write!(h, "{} ", year_label(year, options.lang, t));
    }
    if options.title.is_some() {
        h.push_str(t.subtitle);
    }
    h.push_str("</p></header>\n");
    suspicions(&mut h, s, t, options.lang);
    cards(&mut h, report, t);
    let tiled = files.is_some() && needs_files(report, options);
    map(&mut h, report, options, t, tiled);
    parks_table(&mut h, report, t);
    rollup_table(&mut h, report, t);
    year_on_year(&mut h, report, t);
    worst(&mut h, report, options, t);
    d_firms(&mut h, report, &firm_names, options.lang, t);
    rejected(&mut h, report, options.lang, t);
    thresholds(&mut h, report, options.lang, t);
    h.push_str("<script type=\"application/json\" id=\"report-data\">");
    let cards = data::Cards::new(report, &firm_names, options.lang);
    let tiling = match files {
        Some(dir) if tiled => Some(tiles::write(dir, &cards)?),
        _ => None,
    };
    data::write_blob(&mut h, cards, options, tiling);
    h.push_str("</script>\n<script>");
    h.push_str(SCRIPT);
    h.push_str("</script>\n</body></html>\n");
    w.write_all(h.as_bytes())
}

/// "2024 年度" or "Year 2024".
fn year_label(year: u16, lang: Lang, t: &Words) -> String {
    match lang {
        Lang::Zh => format!("{year} {}", t.year),
        Lang::En => format!("{} {year}", capitalised(t.year)),
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A banner over everything else when the input is wrong as a whole: the figures below are
/// then no answer, and the reader of the page must see that first.
fn suspicions(h: &mut String, s: &Summary, t: &Words, lang: Lang) {
    if s.suspicions.is_empty() {
        return;
    }
    let head = if s.suspicions_accepted {
        t.suspect_accepted
    } else {
        t.suspect
    };
    let _ = write!(h, "<div class=\"suspect\"><p>{head}</p><ul>");
    // In words; the message that names files, columns and figures is the crate's, in
    // English, folded under them.
    for x in &s.suspicions {
        let _ = write!(
            h,
            "<li><b>{}</b>{}{}{} <details><summary>{}</summary>{}</details></li>",
            suspicion_label(x.code, lang),
            if lang == Lang::Zh { "（" } else { " (" },
            layer_label(x.layer.as_str(), lang),
            if lang == Lang::Zh { "）" } else { ")" },
            t.details,
            esc(&x.message)
        );
    }
    h.push_str("</ul></div>\n");
}

/// Writes the headline figures as cards, then how many warnings the audit gave.
fn cards(h: &mut String, report: &AuditReport, t: &Words) {
    h.push_str("<div class=\"cards\">");
    for (label, value, note) in headline_cards(&report.summary, t) {
        let _ = write!(
            h,
            "<div class=\"card\"><div class=\"label\">{label}</div><div class=\"value\">{}</div><div class=\"note\">{}</div></div>",
            esc(&value),
            esc(&note)
        );
    }
    h.push_str("</div>\n");
    if !report.warnings.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"files\">{} {}</p>",
            grouped(report.warnings.len() as f64, 0),
            t.warnings
        );
    }
    if !report.overlaps.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"files\">{} {}</p>",
            grouped(report.overlaps.len() as f64, 0),
            t.overlaps
        );
    }
}

/// The headline figures, each as (label, value, note): parcels, area (mu), low-efficiency
/// area (mu) and parcels, parks over the cap, enterprises.
fn headline_cards(s: &Summary, t: &Words) -> [(&'static str, String, String); 6] {
    let over = s.parks.iter().filter(|k| k.over_cap).count();
    [
        (
            t.parcels,
            grouped(s.parcels.evaluated as f64, 0),
            format!("{} {}", grouped(s.parcels.rejected as f64, 0), t.rejected),
        ),
        (
            t.area,
            format!("{} {}", mu(s.total_area_mu), t.mu),
            outside_parks_note(s, t),
        ),
        (
            t.low_area,
            format!("{} {}", mu(s.low_efficiency_area_mu), t.mu),
            pct(s.low_efficiency_ratio),
        ),
        (
            t.low_count,
            grouped(s.low_efficiency_count as f64, 0),
            low_count_note(s, t),
        ),
        (
            t.parks_over,
            format!("{over} / {}", s.parks.len()),
            format!("{} {}", t.cap, pct(Some(s.max_low_efficiency_ratio))),
        ),
        (
            t.enterprises,
            grouped(s.enterprises.read as f64, 0),
            enterprises_note(s, t),
        ),
    ]
}

/// The area card's note: the parcels outside every park and their area (mu), when there are
/// any. Counted in the totals only: the parks table does not add up to them.
fn outside_parks_note(s: &Summary, t: &Words) -> String {
    if s.outside_parks_count == 0 {
        return String::new();
    }
    let in_parks: f64 = s.parks.iter().map(|k| k.area_mu).sum();
    format!(
        "{} {} ({} {})",
        t.outside_parks,
        grouped(s.outside_parks_count as f64, 0),
        mu((s.total_area_mu - in_parks).max(0.0)),
        t.mu
    )
}

/// The low-efficiency count's note: the idle parcels, and those not judged with their area
/// (mu) when there are any.
fn low_count_note(s: &Summary, t: &Words) -> String {
    if s.unjudged_count > 0 {
        format!(
            "{} {} · {} {} ({} {})",
            t.idle,
            grouped(s.idle_count as f64, 0),
            t.unjudged,
            grouped(s.unjudged_count as f64, 0),
            mu(s.unjudged_area_mu),
            t.mu
        )
    } else {
        format!("{} {}", t.idle, grouped(s.idle_count as f64, 0))
    }
}

/// The enterprises card's note, as summary.json counts them: read = joined + unmatched +
/// rejected.
fn enterprises_note(s: &Summary, t: &Words) -> String {
    format!(
        "{} {} · {} {} · {} {}",
        grouped(s.enterprises.joined as f64, 0),
        t.joined,
        grouped(s.enterprises.unmatched as f64, 0),
        t.unmatched,
        grouped(s.enterprises.rejected as f64, 0),
        t.rejected
    )
}

/// Writes the map: its tools (search, layers, filters), the parcels (or, past
/// [`ReportOptions::max_parcels_drawn`], a grid of cells, the parcels loaded from
/// `report_files/` as the map is zoomed in when `tiled`), the parks, a scale bar and a north
/// arrow as inline SVG beside the card the script fills, then its legend.
fn map(h: &mut String, report: &AuditReport, options: &ReportOptions, t: &Words, tiled: bool) {
    let _ = writeln!(h, "<h2>{}</h2>", t.map);
    let Some(f) = frame_of(report) else {
        let _ = writeln!(h, "<p>{}</p>", t.no_parcels);
        return;
    };
    let drawn = report.parcel_count() <= options.max_parcels_drawn;
    // The tools need the script: it shows them.
    let _ = write!(
        h,
        "<div class=\"tools\" hidden><span class=\"find\"><input type=\"search\" id=\"q\" placeholder=\"{}\" autocomplete=\"off\"><ul id=\"hits\"></ul></span>",
        t.search
    );
    if drawn || tiled {
        filters(h, report, options.lang, t);
    }
    let _ = writeln!(
        h,
        "<button type=\"button\" id=\"home\">⤢</button><span class=\"help\">{}</span></div>",
        t.map_help
    );
    let _ = writeln!(
        h,
        "<div class=\"mapbox\"><svg class=\"map{}\" viewBox=\"-10 -10 {} {}\" role=\"img\">",
        if tiled { " tiled" } else { "" },
        f.width + 20.0,
        f.height + 70.0
    );
    if drawn {
        draw_parcels(h, report, &f, options, t);
    } else {
        draw_cells(h, report, &f, t, tiled);
    }
    draw_parks(h, report, &f, t);
    scale_bar(h, &f);
    north_arrow(h, &f);
    let _ = writeln!(
        h,
        "</svg><aside id=\"card\" hidden><p>{}</p></aside></div>",
        t.card_empty
    );
    legend(h, report, options, t, tiled);
}

/// The map's layers (by low-efficiency or by class) and its filters: by reason, by class,
/// by park.
fn filters(h: &mut String, report: &AuditReport, lang: Lang, t: &Words) {
    if report.evaluated() {
        let _ = write!(
            h,
            "<label><input type=\"radio\" name=\"layer\" value=\"state\" checked>{}</label><label><input type=\"radio\" name=\"layer\" value=\"class\">{}</label>",
            t.layer_state, t.layer_class
        );
    }
    let _ = write!(
        h,
        "<label>{} <select id=\"reason\"><option value=\"\">{}</option>",
        t.reason_filter, t.all
    );
    for (i, r) in crate::rules::Reason::ALL.iter().enumerate() {
        if report
            .summary
            .low_efficiency_by_reason
            .get(r.as_str())
            .is_some_and(|n| *n > 0)
        {
            let _ = write!(
                h,
                "<option value=\"{i}\">{}</option>",
                reason_label(*r, lang)
            );
        }
    }
    h.push_str("</select></label>");
    if report.evaluated() {
        let _ = write!(
            h,
            "<label>{} <select id=\"class\"><option value=\"\">{}</option>",
            t.class_filter, t.all
        );
        for c in ["A", "B", "C", "D"] {
            let _ = write!(h, "<option value=\"{c}\">{c}</option>");
        }
        let _ = write!(
            h,
            "<option value=\"N\">{}</option></select></label>",
            t.no_class
        );
    }
    if report.parks.len() > 1 {
        let _ = write!(
            h,
            "<label>{} <select id=\"parkf\"><option value=\"\">{}</option>",
            t.park_filter, t.all
        );
        for (k, park) in report.parks.iter().enumerate() {
            let name = park.name.as_deref().unwrap_or("");
            let _ = write!(
                h,
                "<option value=\"{k}\">{} {}</option>",
                esc(&park.park_id),
                esc(name)
            );
        }
        h.push_str("</select></label>");
    }
}

/// The map's frame over the extent of parcels and parks together (lon/lat); `None` when
/// there is nothing to draw.
fn frame_of(report: &AuditReport) -> Option<Frame> {
    let mut min = (f64::INFINITY, f64::INFINITY);
    let mut max = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    let mut grow = |shape: ShapeRef<'_>| {
        if let Some(r) = shape.bounding_rect() {
            min = (min.0.min(r.min().x), min.1.min(r.min().y));
            max = (max.0.max(r.max().x), max.1.max(r.max().y));
        }
    };
    for p in report.parcels() {
        grow(p.record().shape());
    }
    let parks = report.park_table.shapes();
    for k in 0..parks.len() {
        grow(parks.get(k));
    }
    min.0.is_finite().then(|| Frame::new(min, max))
}

/// Draws every parcel, its state and class as CSS classes (`s0`..`s4`, `cA`..`cD`, `cN`
/// for none: [`colour_css`] colours them), with its figures as its hover title.
fn draw_parcels(
    h: &mut String,
    report: &AuditReport,
    f: &Frame,
    options: &ReportOptions,
    t: &Words,
) {
    h.push_str("<g class=\"parcels\">\n");
    let mut d = String::new();
    for p in report.parcels() {
        d.clear();
        path_of(&p.record().shape(), f, &mut d);
        let _ = writeln!(
            h,
            "<path class=\"parcel s{} c{}\" d=\"{d}\"><title>{}</title></path>",
            data::state(&p),
            p.class().map_or("N", Class::as_str),
            parcel_title(&p, options.lang, t)
        );
    }
    h.push_str("</g>\n");
}

/// The map's colours, from the colours of `parcels.geojson` and the classes': parcels by
/// state, and by class when the page's layer is the classes.
fn colour_css() -> String {
    let mut css = String::new();
    for (i, colour) in [
        style::OK,
        style::LOW,
        style::CONTRACT,
        style::IDLE,
        style::UNJUDGED,
    ]
    .iter()
    .enumerate()
    {
        let _ = write!(css, ".s{i}{{fill:{colour}}}");
    }
    for c in [Class::A, Class::B, Class::C, Class::D] {
        let _ = write!(
            css,
            "svg.by-class .c{}{{fill:{}}}",
            c.as_str(),
            class_colour(c)
        );
    }
    let _ = write!(css, "svg.by-class .cN{{fill:{NO_CLASS}}}");
    css
}

/// A parcel with no graded tenant, when the map is coloured by class.
const NO_CLASS: &str = "#e0e0e0";

/// A parcel's hover title: id, area (mu) and park; tax, investment and output per mu
/// (万元/亩) and plot ratio; why it is low-efficiency, or that it was not judged; its class.
fn parcel_title(p: &ParcelResult<'_>, lang: Lang, t: &Words) -> String {
    let reasons: Vec<&str> = p.reasons().iter().map(|r| reason_label(r, lang)).collect();
    format!(
        "{} · {} {} {}\n{} {} · {} {} · {} {}\n{} {}{}{}",
        esc(p.parcel_id()),
        mu(p.area_mu()),
        t.mu,
        p.park_id()
            .map(|k| format!("· {} {}", t.park, esc(k)))
            .unwrap_or_default(),
        t.tax,
        per_mu(p.tax_per_mu()),
        t.investment,
        per_mu(p.investment_per_mu()),
        t.output,
        per_mu(p.output_per_mu()),
        t.plot_ratio,
        p.plot_ratio().map_or("—".into(), plot),
        if p.unjudged() {
            format!("\n{}", t.legend_unjudged)
        } else if reasons.is_empty() {
            String::new()
        } else {
            format!("\n{}: {}", t.reasons, reasons.join(", "))
        },
        p.class()
            .map(|c| format!("\n{}", c.as_str()))
            .unwrap_or_default(),
    )
}

/// Per grid cell (column, row): judged area (mu), low-efficiency area (mu), judged parcels,
/// parcels not judged.
type Cells = BTreeMap<(usize, usize), (f64, f64, usize, usize)>;

/// The number of columns of the grid drawn in place of too many parcels.
const GRID_COLUMNS: usize = 120;

/// Draws, in place of the parcels, a grid of about [`GRID_COLUMNS`] columns, each cell
/// coloured by the low-efficiency share of its judged area, under a note that says so.
fn draw_cells(h: &mut String, report: &AuditReport, f: &Frame, t: &Words, tiled: bool) {
    let cell = f.width / GRID_COLUMNS as f64;
    let rows = (f.height / cell).ceil().max(1.0) as usize;
    let acc = cell_totals(report, f, cell, rows);
    let _ = write!(
        h,
        "<text x=\"0\" y=\"{:.0}\" class=\"note\">{} ({} → {} × {:.2} km)</text>\n<g class=\"cells\">\n",
        f.height + 50.0,
        if tiled {
            t.aggregated_files
        } else {
            t.aggregated
        },
        report.parcel_count(),
        acc.len(),
        cell * f.metres_per_unit() / 1000.0
    );
    for ((cx, cy), (area, low, count, unjudged)) in &acc {
        let not_judged = if *unjudged > 0 {
            format!(" · {} {unjudged}", t.unjudged)
        } else {
            String::new()
        };
        // A cell of unjudged parcels alone has no share: it is drawn as they are.
        let (fill, share) = if *count == 0 {
            (style::UNJUDGED.to_string(), "—".to_string())
        } else {
            let share = if *area > 0.0 { low / area } else { 0.0 };
            (share_colour(share), format!("{:.1}%", share * 100.0))
        };
        let _ = writeln!(
            h,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{cell:.2}\" height=\"{cell:.2}\" fill=\"{fill}\"><title>{count} {} · {} {share}{not_judged}</title></rect>",
            *cx as f64 * cell,
            *cy as f64 * cell,
            t.parcels,
            t.ratio,
        );
    }
    h.push_str("</g>\n");
}

/// Sums the parcels into grid cells of side `cell` (SVG units; `rows` of them down), each
/// parcel in the cell of its bounding box's centre.
fn cell_totals(report: &AuditReport, f: &Frame, cell: f64, rows: usize) -> Cells {
    let mut acc = Cells::new();
    for p in report.parcels() {
        let Some(r) = p.record().shape().bounding_rect() else {
            continue;
        };
        let (x, y) = f.xy((r.min().x + r.max().x) / 2.0, (r.min().y + r.max().y) / 2.0);
        let key = (
            ((x / cell) as usize).min(GRID_COLUMNS - 1),
            ((y / cell) as usize).min(rows - 1),
        );
        let e = acc.entry(key).or_insert((0.0, 0.0, 0, 0));
        // As the ratios: an unjudged parcel is in neither side of the share.
        if p.unjudged() {
            e.3 += 1;
            continue;
        }
        e.0 += p.area_mu();
        if p.low_efficiency() {
            e.1 += p.area_mu();
        }
        e.2 += 1;
    }
    acc
}

/// Draws the parks' outlines, coloured by whether they are over the cap, with their ratio as
/// hover title and, where it fits, as a label.
fn draw_parks(h: &mut String, report: &AuditReport, f: &Frame, t: &Words) {
    h.push_str("<g class=\"parks\" fill=\"none\" stroke-width=\"2\">\n");
    let parks = report.park_table.shapes();
    let mut d = String::new();
    let cap = report.summary.max_low_efficiency_ratio;
    for k in &report.parks {
        d.clear();
        let shape = parks.get(k.row);
        path_of(&shape, f, &mut d);
        let colour = if k.over_cap {
            style::PARK_OVER
        } else {
            style::PARK_OK
        };
        let _ = writeln!(
            h,
            "<path class=\"park\" stroke=\"{colour}\" d=\"{d}\"><title>{} {} · {} {}</title></path>",
            esc(&k.park_id),
            esc(k.name.as_deref().unwrap_or("")),
            t.ratio,
            park_pct(k.low_efficiency_ratio, cap)
        );
        if let (Some(r), Some(inside)) = (shape.bounding_rect(), shape.interior_point()) {
            let label = format!("{} {}", k.park_id, park_pct(k.low_efficiency_ratio, cap));
            park_label(h, f, r, inside, &label, colour);
        }
    }
    h.push_str("</g>\n");
}

/// Writes a park's `label` centred on `inside`, a point inside the park (not on its
/// boundary line), only where it fits the park's bounding box `r` (its width, and a line of
/// its height), so that a zone of hundreds of parks does not turn into overprinted text (each
/// park keeps its hover title).
fn park_label(
    h: &mut String,
    f: &Frame,
    r: geo::Rect<f64>,
    inside: geo::Coord<f64>,
    label: &str,
    colour: &str,
) {
    let (x0, y) = f.xy(r.min().x, r.max().y);
    let (x1, y1) = f.xy(r.max().x, r.min().y);
    if label_width(label) <= (x1 - x0).abs() && (y1 - y).abs() >= 18.0 {
        let (x, y) = f.xy(inside.x, inside.y);
        let _ = writeln!(
            h,
            "<text class=\"label\" x=\"{x:.1}\" y=\"{:.1}\" fill=\"{colour}\">{}</text>",
            y + 4.0,
            esc(label)
        );
    }
}

/// Draws a scale bar under the map: a round length (1, 2 or 5 × 10ⁿ m) near a fifth of its
/// width.
fn scale_bar(h: &mut String, f: &Frame) {
    let target = f.width / 5.0 * f.metres_per_unit();
    let step = [1.0, 2.0, 5.0]
        .iter()
        .flat_map(|m| (0..8).map(move |e| m * 10f64.powi(e)))
        .filter(|v| *v <= target)
        .fold(1.0, f64::max);
    let len = step / f.metres_per_unit();
    let label = if step >= 1000.0 {
        format!("{} km", step / 1000.0)
    } else {
        format!("{step} m")
    };
    let y = f.height + 25.0;
    let _ = writeln!(
        h,
        "<g class=\"scale\"><rect x=\"0\" y=\"{y:.1}\" width=\"{len:.1}\" height=\"6\" fill=\"#333\"/><text x=\"{:.1}\" y=\"{:.1}\">{label}</text></g>",
        len + 8.0,
        y + 6.0
    );
}

/// Draws a north arrow at the map's top right.
fn north_arrow(h: &mut String, f: &Frame) {
    let _ = writeln!(
        h,
        "<g class=\"north\" transform=\"translate({:.1},10)\"><path d=\"M0 30 L10 0 L20 30 L10 22 Z\" fill=\"#333\"/><text x=\"5\" y=\"46\">N</text></g>",
        f.width - 30.0
    );
}

/// Writes the map's legend: the parcels' states (or the cells' shares), and the classes when
/// enterprises were graded (shown when the map is coloured by class), then the parks' outlines.
fn legend(h: &mut String, report: &AuditReport, options: &ReportOptions, t: &Words, tiled: bool) {
    let drawn = report.parcel_count() <= options.max_parcels_drawn;
    if !drawn {
        // The grid's legend; a tiled map shows the parcels' instead once zoomed in.
        h.push_str("<div class=\"legend\" data-layer=\"grid\">");
        swatch(h, &share_colour(0.0), "0%", false);
        swatch(h, &share_colour(0.5), "50%", false);
        swatch(h, &share_colour(1.0), "100%", false);
        swatch(h, style::UNJUDGED, t.legend_unjudged, false);
        park_swatches(h, t);
        h.push_str("</div>\n");
    }
    if drawn || tiled {
        let hidden = if drawn { "" } else { " hidden" };
        let _ = write!(h, "<div class=\"legend\" data-layer=\"state\"{hidden}>");
        swatch(h, style::OK, t.legend_ok, false);
        swatch(h, style::LOW, t.legend_low, false);
        swatch(h, style::CONTRACT, t.legend_contract, false);
        swatch(h, style::IDLE, t.legend_idle, false);
        swatch(h, style::UNJUDGED, t.legend_unjudged, false);
        park_swatches(h, t);
        if report.evaluated() {
            h.push_str("</div>\n<div class=\"legend\" data-layer=\"class\" hidden>");
            for c in [Class::A, Class::B, Class::C, Class::D] {
                swatch(h, class_colour(c), c.as_str(), false);
            }
            swatch(h, NO_CLASS, t.legend_no_class, false);
            park_swatches(h, t);
        }
        h.push_str("</div>\n");
    }
}

fn park_swatches(h: &mut String, t: &Words) {
    swatch(h, style::PARK_OK, t.legend_park, true);
    swatch(h, style::PARK_OVER, t.legend_park_over, true);
}

/// Writes one legend entry: a swatch of `colour` (filled, or an `outline`) and its label.
fn swatch(h: &mut String, colour: &str, label: &str, outline: bool) {
    let style = if outline {
        format!("border:2px solid {colour};background:none")
    } else {
        format!("background:{colour}")
    };
    let _ = write!(h, "<span><i style=\"{style}\"></i>{label}</span>");
}

fn parks_table(h: &mut String, report: &AuditReport, t: &Words) {
    let cap = report.summary.max_low_efficiency_ratio;
    let _ = writeln!(
        h,
        "<h2>{} <small>({} {})</small></h2>",
        t.parks_table,
        t.cap,
        pct(Some(cap))
    );
    let mut parks: Vec<&crate::parks::ParkResult> = report.parks.iter().collect();
    parks.sort_by(|a, b| {
        b.low_efficiency_ratio
            .unwrap_or(-1.0)
            .total_cmp(&a.low_efficiency_ratio.unwrap_or(-1.0))
    });
    // Unjudged parcels are left out of the ratios: a column says how many, when any are.
    let unjudged = report.summary.unjudged_count > 0;
    let _ = write!(
        h,
        "<table class=\"parks sortable\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{} ({})</th><th>{} ({})</th>",
        t.park, t.name, t.count, t.area, t.mu, t.low_area, t.mu
    );
    if unjudged {
        let _ = write!(h, "<th>{} ({} / {})</th>", t.unjudged, t.mu, t.count);
    }
    let _ = writeln!(
        h,
        "<th>{}</th><th>{}</th></tr></thead><tbody>",
        t.ratio, t.over_cap
    );
    for k in parks {
        let bar = k
            .low_efficiency_ratio
            .map_or(0.0, |r| (r * 100.0).min(100.0));
        let _ = write!(
            h,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            if k.over_cap { "over" } else { "" },
            format_args!("<a href=\"#park={0}\">{0}</a>", esc(&k.park_id)),
            esc(k.name.as_deref().unwrap_or("")),
            k.parcel_count,
            mu(k.area_mu),
            mu(k.low_efficiency_area_mu),
        );
        if unjudged {
            let _ = write!(
                h,
                "<td>{} / {}</td>",
                mu(k.unjudged_area_mu),
                k.unjudged_count
            );
        }
        let _ = writeln!(
            h,
            "<td><span class=\"bar\"><b style=\"width:{bar:.1}%\"></b><em style=\"left:{:.1}%\"></em></span>{}</td><td>{}</td></tr>",
            cap * 100.0,
            park_pct(k.low_efficiency_ratio, cap),
            if k.over_cap { t.yes } else { t.no }
        );
    }
    h.push_str("</tbody></table>\n");
}

/// The unit of the per-mu figures, the same in both languages.
const PER_MU: &str = "万元/亩";

/// The parks' roll-ups ranked by tax per mu, and the zone's as the last row: per-mu figures
/// in 万元/亩 over the judged land, the plot ratio over the land whose floor area is known.
fn rollup_table(h: &mut String, report: &AuditReport, t: &Words) {
    if report.parks.is_empty() {
        return;
    }
    let mut parks: Vec<&crate::parks::ParkResult> = report.parks.iter().collect();
    parks.sort_by_key(|k| k.rank_tax_per_mu.unwrap_or(usize::MAX));
    // With earlier audits, the growth of tax per mu since the latest of them.
    let trends = parks.iter().any(|k| k.trend.is_some());
    let _ = write!(
        h,
        "<h2>{}</h2>\n<table class=\"rollup sortable\"><thead><tr><th>{}</th><th>{}</th><th>{}</th>\
         <th>{} ({})</th><th>{} ({PER_MU})</th><th>{} ({PER_MU})</th><th>{} ({PER_MU})</th><th>{}</th>",
        t.rollup_table,
        t.rank,
        t.park,
        t.name,
        t.area,
        t.mu,
        t.tax_per_mu,
        t.output_per_mu,
        t.investment_per_mu,
        t.plot_ratio
    );
    if trends {
        let _ = write!(h, "<th>{}</th>", t.tax_growth);
    }
    h.push_str("</tr></thead><tbody>\n");
    for k in parks {
        let rank = k
            .rank_tax_per_mu
            .map_or_else(|| "—".into(), |r| r.to_string());
        let id = format!("<a href=\"#park={0}\">{0}</a>", esc(&k.park_id));
        let growth = trends.then(|| k.trend.and_then(|t| t.tax_per_mu_growth));
        rollup_row(
            h,
            [rank, id],
            k.name.as_deref().unwrap_or(""),
            &k.rollup,
            growth,
        );
    }
    let zone = &report.summary.zone.rollup;
    rollup_row(
        h,
        [String::new(), String::new()],
        t.zone_row,
        zone,
        trends.then(|| (report.summary.zone.trend).and_then(|t| t.tax_per_mu_growth)),
    );
    h.push_str("</tbody></table>\n");
}

/// One row of the roll-up table: rank and park cells (HTML), name, figures, and the growth
/// cell when the table has one.
fn rollup_row(
    h: &mut String,
    [rank, id]: [String; 2],
    name: &str,
    r: &crate::rollup::Rollup,
    growth: Option<Option<f64>>,
) {
    let opt = |v: Option<f64>| v.map_or_else(|| "—".to_string(), |v| num(v, 2));
    let _ = write!(
        h,
        "<tr><td>{rank}</td><td>{id}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
        esc(name),
        mu(r.judged_area_mu),
        opt(r.tax_per_mu),
        opt(r.output_per_mu),
        opt(r.investment_per_mu),
        opt(r.plot_ratio),
    );
    if let Some(g) = growth {
        let cell = g.map_or_else(|| "—".to_string(), |g| format!("{:+.1}%", g * 100.0));
        let _ = write!(h, "<td>{cell}</td>");
    }
    h.push_str("</tr>\n");
}

/// The changes since the previous audit, and which audit that was, when one was given.
fn year_on_year(h: &mut String, report: &AuditReport, t: &Words) {
    let s = &report.summary;
    let (Some(previous), Some(changes)) = (&s.previous, &s.changes) else {
        return;
    };
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<p class=\"files\">{}: {} · {}: {} / {}</p>",
        t.year_on_year,
        t.previous_audit,
        esc(&previous.files.join(", ")),
        t.matched,
        previous.matched,
        s.parcels.evaluated
    );
    h.push_str("<table class=\"changes\"><tbody>");
    for (key, label) in CHANGES.iter().zip(t.changes) {
        let _ = write!(
            h,
            "<tr><td>{label}</td><td>{}</td></tr>",
            changes.get(key).copied().unwrap_or(0)
        );
    }
    h.push_str("</tbody></table>\n");
}

/// The columns of the worst parcels' table, from the parcel schema, with their decimals.
const WORST_COLUMNS: [(&str, usize); 8] = [
    ("parcel_id", 0),
    ("park_id", 0),
    ("area_mu", decimals::AREA_MU),
    ("tax_per_mu", decimals::PER_MU),
    ("investment_per_mu", decimals::PER_MU),
    ("output_per_mu", decimals::PER_MU),
    ("plot_ratio", decimals::PLOT_RATIO),
    ("reasons", 0),
];

/// A parcel column's heading on the page.
fn heading(name: &str, t: &Words) -> String {
    match name {
        "parcel_id" => t.parcel.to_string(),
        "park_id" => t.park.to_string(),
        "area_mu" => format!("{} ({})", t.area, t.mu),
        "tax_per_mu" => t.tax.to_string(),
        "investment_per_mu" => t.investment.to_string(),
        "output_per_mu" => t.output.to_string(),
        "plot_ratio" => t.plot_ratio.to_string(),
        "reasons" => t.reasons.to_string(),
        other => other.to_string(),
    }
}

/// A cell of the parcel schema as people read it: escaped, rounded to `decimals`, reasons in
/// the page's language, nothing as a dash.
fn html_cell(cell: Option<Cell<'_>>, decimals: usize, lang: Lang) -> String {
    let flag = |b: bool| if b { "✓" } else { "" };
    match cell {
        None
        | Some(
            Cell::OptText(None) | Cell::OptNum(None) | Cell::OptFlag(None) | Cell::OptCount(None),
        ) => "—".into(),
        Some(Cell::Text(s) | Cell::OptText(Some(s))) => esc(s),
        Some(Cell::Num(v) | Cell::OptNum(Some(v))) => num(v, decimals),
        Some(Cell::Count(n) | Cell::OptCount(Some(n))) => n.to_string(),
        Some(Cell::Flag(b) | Cell::OptFlag(Some(b))) => flag(b).into(),
        Some(Cell::Reasons(reasons)) => {
            let labels: Vec<&str> = reasons.iter().map(|r| reason_label(r, lang)).collect();
            labels.join(", ")
        }
        Some(Cell::Names(names)) => esc(&names.join(", ")),
        Some(Cell::ByReason(by)) => {
            let labels: Vec<String> = (by.iter())
                .map(|r| format!("{} {}", reason_label(r.reason, lang), r.count))
                .collect();
            labels.join(", ")
        }
    }
}

fn worst(h: &mut String, report: &AuditReport, options: &ReportOptions, t: &Words) {
    // The low-efficiency parcels that miss most: most reasons first, then the lowest tax per mu.
    let mut keyed: Vec<(usize, f64, f64, ParcelResult<'_>)> = report
        .parcels()
        .filter(|p| p.low_efficiency())
        .map(|p| {
            (
                p.reasons().len(),
                p.intensities().tax_per_mu,
                p.area_m2(),
                p,
            )
        })
        .collect();
    keyed.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.1.total_cmp(&b.1))
            .then(b.2.total_cmp(&a.2))
    });
    let low: Vec<ParcelResult<'_>> = keyed.into_iter().map(|(_, _, _, p)| p).collect();
    let _ = write!(
        h,
        "<h2>{}</h2>\n<table class=\"worst sortable\"><thead><tr>",
        t.worst
    );
    for (name, _) in WORST_COLUMNS {
        let _ = write!(h, "<th>{}</th>", heading(name, t));
    }
    h.push_str("</tr></thead><tbody>\n");
    for p in low.iter().take(options.worst) {
        h.push_str("<tr>");
        for (name, decimals) in WORST_COLUMNS {
            let cell = parcel_column(name).map(|c| (c.value)(p));
            let text = html_cell(cell, decimals, options.lang);
            if name == "parcel_id" {
                let _ = write!(h, "<td><a href=\"#parcel={text}\">{text}</a></td>");
            } else {
                let _ = write!(h, "<td>{text}</td>");
            }
        }
        h.push_str("</tr>\n");
    }
    if low.is_empty() {
        let span = WORST_COLUMNS.len();
        let _ = write!(h, "<tr><td colspan=\"{span}\">{}</td></tr>", t.none);
    }
    h.push_str("</tbody></table>\n");
}

/// The firms graded D, with `[evaluation]` on: id, name,
/// group, score, rank, land (mu) and parcel (a link to its card).
fn d_firms(h: &mut String, report: &AuditReport, names: &[Option<String>], lang: Lang, t: &Words) {
    if !report.evaluated() {
        return;
    }
    let mut rows: Vec<_> = report
        .enterprises()
        .enumerate()
        .filter_map(|(row, e)| {
            let g = e.evaluation()?;
            (g.class == Some(Class::D)).then_some((row, e, g))
        })
        .collect();
    rows.sort_by(|a, b| {
        a.2.score
            .unwrap_or(f64::INFINITY)
            .total_cmp(&b.2.score.unwrap_or(f64::INFINITY))
    });
    let _ = writeln!(h, "<h2>{} <small>({})</small></h2>", t.d_firms, rows.len());
    if rows.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", t.firms_none_d);
        return;
    }
    let _ = writeln!(
        h,
        "<table class=\"d-firms sortable\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{} ({})</th><th>{}</th></tr></thead><tbody>",
        t.firm, t.name, t.group, t.score, t.rank, t.d_years, t.area, t.mu, t.parcel
    );
    for (row, e, g) in rows {
        let id = esc(e.id());
        let parcel = e.parcel_id().map_or("—".into(), |p| {
            let p = esc(p);
            format!("<a href=\"#parcel={p}\">{p}</a>")
        });
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#firm={id}\">{id}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{parcel}</td></tr>",
            esc(names.get(row).and_then(Option::as_deref).unwrap_or("")),
            esc(&match &g.forced {
                Some(f) => format!(
                    "{} · {}: {}",
                    group_label(g.group.as_str(), lang),
                    words::forced_label(f.action, lang),
                    f.reason
                ),
                None => group_label(g.group.as_str(), lang).to_string(),
            }),
            g.score.map_or("—".into(), |v| num(v, decimals::SCORE)),
            g.rank
                .map_or("—".into(), |r| format!("{r} / {}", g.group_size)),
            e.consecutive_d_years().unwrap_or(1),
            g.land_mu.map_or("—".into(), mu),
        );
    }
    h.push_str("</tbody></table>\n");
}

/// The rejected records by layer and code: in Chinese the code in words and each example's
/// index and id (the reasons `rejected.csv` gives are English); in English the code and the
/// examples' reasons.
fn rejected(h: &mut String, report: &AuditReport, lang: Lang, t: &Words) {
    let _ = writeln!(h, "<h2>{}</h2>", t.rejected_title);
    let mut groups: BTreeMap<(&str, &str), Vec<&crate::error::Rejection>> = BTreeMap::new();
    for r in &report.rejected {
        groups
            .entry((r.layer.as_str(), r.code))
            .or_default()
            .push(r);
    }
    if groups.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", t.none);
        return;
    }
    let _ = writeln!(
        h,
        "<table class=\"rejected\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t.layer, t.code, t.records, t.examples
    );
    for ((layer, code), rows) in groups {
        let mut examples: Vec<String> = rows
            .iter()
            .take(3)
            .map(|r| {
                let id = esc(r.id.as_deref().unwrap_or(""));
                match lang {
                    Lang::Zh => format!("#{} {id}", r.index),
                    Lang::En => format!("#{} {id}: {}", r.index, esc(&r.reason)),
                }
            })
            .collect();
        if rows.len() > examples.len() {
            let more = rows.len() - examples.len();
            examples.push(format!("… {} {more} {}", t.more_before, t.more_after));
        }
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            layer_label(layer, lang),
            match lang {
                Lang::Zh => code_label(code, lang),
                Lang::En => code,
            },
            rows.len(),
            examples.join("<br>")
        );
    }
    h.push_str("</tbody></table>\n");
}

fn thresholds(h: &mut String, report: &AuditReport, lang: Lang, t: &Words) {
    let s = &report.summary;
    let th = &s.thresholds;
    let (investment, tax, output, plot_ratio) = (
        per_mu(th.min_investment_per_mu),
        per_mu(th.min_tax_per_mu),
        per_mu(th.min_output_per_mu),
        plot(th.min_plot_ratio),
    );
    let _ = write!(
        h,
        "<h2>{}</h2>\n<table class=\"thresholds\"><tbody><tr><td>{} {}</td><td>{} 万元/亩</td></tr><tr><td>{} {}</td><td>{} 万元/亩</td></tr><tr><td>{} {}</td><td>{} 万元/亩</td></tr><tr><td>{} {}</td><td>{}</td></tr><tr><td>{}</td><td>{}</td></tr></tbody></table>\n",
        t.thresholds,
        t.investment,
        t.minimum,
        investment,
        t.tax,
        t.minimum,
        tax,
        t.output,
        t.minimum,
        output,
        t.plot_ratio,
        t.minimum,
        plot_ratio,
        t.cap,
        pct(Some(s.max_low_efficiency_ratio))
    );
    let mut rule_names: Vec<&str> = report
        .rule_sets
        .iter()
        .flat_map(|r| r.rules.iter().map(String::as_str))
        .collect();
    rule_names.sort_unstable();
    rule_names.dedup();
    if !rule_names.is_empty() {
        let _ = writeln!(h, "<p>{}: {}</p>", t.rules, esc(&rule_names.join("; ")));
    }
    if let Some(classes) = &s.classes {
        let _ = write!(h, "<p>{}: ", t.classes);
        for (group, counts) in classes {
            let parts: Vec<String> = counts.iter().map(|(c, n)| format!("{c} {n}")).collect();
            let _ = write!(
                h,
                "{}: {}; ",
                esc(group_label(group, lang)),
                parts.join(", ")
            );
        }
        h.push_str("</p>\n");
    }
    let _ = write!(h, "<p>{}: {} {}", t.crs, t.parcels, esc(&s.crs.parcels.crs));
    if let Some(e) = &s.crs.enterprises {
        let _ = write!(h, " · {} {}", t.enterprises, esc(&e.crs));
    }
    if let Some(k) = &s.crs.parks {
        let _ = write!(h, " · {} {}", t.park, esc(&k.crs));
    }
    h.push_str("</p>\n");
}

/// The page's style sheet (the map's colours are added by [`colour_css`]).
const CSS: &str = include_str!("html/report.css");

/// The page's script: the map's pan and zoom, cards, deep links, search, layers.
const SCRIPT: &str = include_str!("html/report.js");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_parcels_table_names_columns_of_the_schema() {
        for (name, _) in WORST_COLUMNS {
            assert!(parcel_column(name).is_some(), "{name} is no parcel column");
        }
    }

    #[test]
    fn escaping_and_colours() {
        assert_eq!(esc("<a&b \"c\">"), "&lt;a&amp;b &quot;c&quot;&gt;");
        assert_eq!(share_colour(0.0), "rgb(0,190,60)");
        assert_eq!(share_colour(1.0), "rgb(255,0,60)");
        let f = Frame::new((120.0, 30.0), (120.1, 30.1));
        let (x, y) = f.xy(120.0, 30.1);
        assert!(x.abs() < 1e-9 && y.abs() < 1e-9);
        assert!((f.width - 1000.0).abs() < 1e-9);
    }

    /// Every corner of the zone is inside the picture, whatever its shape: tall (1 km by
    /// 11 km), wide, or square.
    #[test]
    fn the_whole_zone_is_inside_the_map() {
        for (dlon, dlat) in [(0.01, 0.1), (0.1, 0.001), (0.1, 0.1)] {
            let f = Frame::new((120.0, 30.0), (120.0 + dlon, 30.0 + dlat));
            for (lon, lat) in [(120.0, 30.0), (120.0 + dlon, 30.0), (120.0, 30.0 + dlat)] {
                let (x, y) = f.xy(lon, lat);
                assert!(
                    (-1e-6..=f.width + 1e-6).contains(&x) && (-1e-6..=f.height + 1e-6).contains(&y),
                    "({dlon}, {dlat}): ({x}, {y}) outside {} × {}",
                    f.width,
                    f.height
                );
            }
            assert!(f.height <= MAX_MAP_HEIGHT);
        }
    }

    #[test]
    fn headline_numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(32_335_997.46, 1), "32,335,997.5");
        assert_eq!(grouped(-1234.0, 0), "-1,234");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(grouped(1000.0, 2), "1,000.00");
        assert_eq!(grouped(f64::NAN, 1), "—");
    }

    #[test]
    fn labels_are_measured_wider_for_chinese() {
        assert!(label_width("K1 23.7%") < label_width("园区一 23.7%"));
        assert!((label_width("K1") - 19.0).abs() < 1e-9);
    }
}
